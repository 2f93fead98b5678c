//! A serde serializer that writes postcard's wire format into a `Vec<u8>`,
//! byte for byte what `postcard::to_stdvec` writes (tested on every kind of
//! serde value), with less work per field.
//!
//! Every RPC the simulator carries is encoded once to count its bytes and
//! digest them, most of them small (a heartbeat is a dozen one-byte
//! varints), so the cost per field is what matters: postcard's own
//! serializer builds each varint in a zeroed buffer and copies it through its
//! output abstraction; here a varint below 128 is one push.
//!
//! The format (postcard 1.x): unsigned integers wider than a byte as varints
//! (seven bits a byte, low bits first), signed ones zigzagged first; `u8`,
//! `i8` and `bool` as one byte; floats as their little-endian bits; strings
//! and byte strings as a varint length and the bytes (a `char` as a string);
//! `None` as 0, `Some(v)` as 1 and `v`; sequences and maps as a varint length
//! and their elements (the length must be known); enum variants as a varint
//! index and their fields; structs, tuples and newtypes as their fields;
//! units as nothing.

use postcard::Error;
use serde::ser::{
    self, Serialize, SerializeMap, SerializeSeq, SerializeStruct, SerializeStructVariant,
    SerializeTuple, SerializeTupleStruct, SerializeTupleVariant,
};

/// Appends postcard's encoding of values to a `Vec`.
pub(crate) struct Writer<'a> {
    pub(crate) out: &'a mut Vec<u8>,
}

impl Writer<'_> {
    #[inline]
    fn varint(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.out.push(value as u8 | 0x80);
            value >>= 7;
        }
        self.out.push(value as u8);
    }

    fn varint_u128(&mut self, mut value: u128) {
        while value >= 0x80 {
            self.out.push(value as u8 | 0x80);
            value >>= 7;
        }
        self.out.push(value as u8);
    }

    #[inline]
    fn zigzag(value: i64) -> u64 {
        ((value << 1) ^ (value >> 63)) as u64
    }
}

impl ser::Serializer for &mut Writer<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn is_human_readable(&self) -> bool {
        false
    }

    #[inline]
    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out.push(u8::from(v));
        Ok(())
    }

    #[inline]
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.out.push(v as u8);
        Ok(())
    }

    #[inline]
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.varint(u64::from(((v << 1) ^ (v >> 15)) as u16));
        Ok(())
    }

    #[inline]
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.varint(u64::from(((v << 1) ^ (v >> 31)) as u32));
        Ok(())
    }

    #[inline]
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.varint(Writer::zigzag(v));
        Ok(())
    }

    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        self.varint_u128(((v << 1) ^ (v >> 127)) as u128);
        Ok(())
    }

    #[inline]
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.out.push(v);
        Ok(())
    }

    #[inline]
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.varint(u64::from(v));
        Ok(())
    }

    #[inline]
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.varint(u64::from(v));
        Ok(())
    }

    #[inline]
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.varint(v);
        Ok(())
    }

    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        self.varint_u128(v);
        Ok(())
    }

    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.out.extend_from_slice(&v.to_bits().to_le_bytes());
        Ok(())
    }

    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.out.extend_from_slice(&v.to_bits().to_le_bytes());
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.serialize_str(v.encode_utf8(&mut [0u8; 4]))
    }

    #[inline]
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.serialize_bytes(v.as_bytes())
    }

    #[inline]
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        self.varint(v.len() as u64);
        self.out.extend_from_slice(v);
        Ok(())
    }

    #[inline]
    fn serialize_none(self) -> Result<(), Error> {
        self.out.push(0);
        Ok(())
    }

    #[inline]
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Error> {
        self.out.push(1);
        value.serialize(self)
    }

    #[inline]
    fn serialize_unit(self) -> Result<(), Error> {
        Ok(())
    }

    #[inline]
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        Ok(())
    }

    #[inline]
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        variant_index: u32,
        _variant: &'static str,
    ) -> Result<(), Error> {
        self.varint(u64::from(variant_index));
        Ok(())
    }

    #[inline]
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    #[inline]
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        variant_index: u32,
        _variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.varint(u64::from(variant_index));
        value.serialize(self)
    }

    #[inline]
    fn serialize_seq(self, len: Option<usize>) -> Result<Self, Error> {
        self.varint(len.ok_or(Error::SerializeSeqLengthUnknown)? as u64);
        Ok(self)
    }

    #[inline]
    fn serialize_tuple(self, _len: usize) -> Result<Self, Error> {
        Ok(self)
    }

    #[inline]
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self, Error> {
        Ok(self)
    }

    #[inline]
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        variant_index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self, Error> {
        self.varint(u64::from(variant_index));
        Ok(self)
    }

    #[inline]
    fn serialize_map(self, len: Option<usize>) -> Result<Self, Error> {
        self.varint(len.ok_or(Error::SerializeSeqLengthUnknown)? as u64);
        Ok(self)
    }

    #[inline]
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self, Error> {
        Ok(self)
    }

    #[inline]
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        variant_index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self, Error> {
        self.varint(u64::from(variant_index));
        Ok(self)
    }
}

/// The compound serializers: elements and fields in order, nothing else.
macro_rules! in_order {
    ($($trait:ident :: $method:ident),*) => {$(
        impl $trait for &mut Writer<'_> {
            type Ok = ();
            type Error = Error;

            #[inline]
            fn $method<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
                value.serialize(&mut **self)
            }

            #[inline]
            fn end(self) -> Result<(), Error> {
                Ok(())
            }
        }
    )*};
}

in_order!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl SerializeMap for &mut Writer<'_> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Error> {
        key.serialize(&mut **self)
    }

    #[inline]
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut **self)
    }

    #[inline]
    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

impl SerializeStruct for &mut Writer<'_> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        _key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(&mut **self)
    }

    #[inline]
    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

impl SerializeStructVariant for &mut Writer<'_> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        _key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(&mut **self)
    }

    #[inline]
    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    fn ours<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
        let mut out = Vec::new();
        value.serialize(&mut Writer { out: &mut out }).unwrap();
        out
    }

    fn same<T: Serialize + std::fmt::Debug>(value: &T) {
        assert_eq!(
            ours(value),
            postcard::to_stdvec(value).unwrap(),
            "{value:?}"
        );
    }

    #[derive(Debug, Serialize)]
    struct Unit;

    #[derive(Debug, Serialize)]
    struct Newtype(u32);

    #[derive(Debug, Serialize)]
    struct Pair(i8, u128);

    #[derive(Debug, Serialize)]
    enum Message {
        Empty,
        One(Option<Box<Message>>),
        Two(i16, bool),
        Named { a: i32, b: Vec<u8>, c: String },
    }

    #[test]
    fn integers_at_every_width_and_boundary() {
        let mut unsigned: Vec<u64> = (0..64).flat_map(|k| [1u64 << k, (1u64 << k) - 1]).collect();
        unsigned.push(u64::MAX);
        for &v in &unsigned {
            same(&v);
            same(&(v as u32));
            same(&(v as u16));
            same(&(v as u8));
            same(&(v as usize));
            same(&(v as i64));
            same(&(v as i64).wrapping_neg());
            same(&(v as i32));
            same(&(v as i32).wrapping_neg());
            same(&(v as i16));
            same(&(v as i16).wrapping_neg());
            same(&(v as i8));
            same(&(u128::from(v) << 64 | u128::from(v)));
            same(&((i128::from(v) << 64) | i128::from(v)).wrapping_neg());
        }
        same(&i64::MIN);
        same(&i128::MIN);
        same(&u128::MAX);
    }

    #[test]
    fn every_other_kind_of_value() {
        same(&true);
        same(&false);
        same(&1.5f32);
        same(&-0.1f64);
        same(&'é');
        same(&'x');
        same(&"a string".to_string());
        same(&"é".repeat(100));
        same(&());
        same(&Unit);
        same(&Newtype(70_000));
        same(&Pair(-3, u128::MAX));
        same(&(1u8, "two", [3u64, 4], Some(5i64), None::<u8>));
        same(&vec![vec![1u16, 300], vec![]]);
        let map: BTreeMap<String, Option<u64>> =
            [("k".to_string(), Some(1)), ("l".to_string(), None)].into();
        same(&map);
        same(&Message::Empty);
        same(&Message::Two(-200, true));
        same(&Message::Named {
            a: i32::MIN,
            b: vec![0; 300],
            c: "c".into(),
        });
        same(&Message::One(Some(Box::new(Message::One(None)))));
    }

    #[test]
    fn a_sequence_of_unknown_length_is_refused_as_postcard_refuses_it() {
        struct Unsized;
        impl Serialize for Unsized {
            fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_seq(None)?.end()
            }
        }
        let mut out = Vec::new();
        assert!(Unsized.serialize(&mut Writer { out: &mut out }).is_err());
        assert!(postcard::to_stdvec(&Unsized).is_err());
    }
}
