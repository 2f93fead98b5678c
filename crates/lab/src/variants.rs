//! A `lab` binary's Rafts, by name: [`Lab`] registers named variants (a
//! Raft, the same Raft with other settings, another Raft altogether) and
//! runs the command line on the one `--raft NAME` selects (the first one
//! registered by default). Every replay line a run prints names its variant
//! (and the binary, see [`crate::invocation`]), so a configured Raft replays
//! as itself.
//!
//! ```no_run
//! # use raftapi::*;
//! # #[derive(Debug, serde::Serialize)] struct Msg;
//! # struct MyRaft;
//! # impl MyRaft { fn with_heartbeat_ms(_: Config, _: Persisted, _: u64, _: &mut Effects<Msg>) -> MyRaft { MyRaft } }
//! # impl Raft for MyRaft {
//! #   type Request = Msg; type Reply = Msg;
//! #   fn make(c: Config, p: Persisted, o: &mut Effects<Msg>) -> Self { MyRaft }
//! #   fn tick(&mut self, _: Instant, _: &mut Effects<Msg>) {}
//! #   fn handle_request(&mut self, _: Instant, _: NodeId, _: &Msg, _: &mut Effects<Msg>) -> Msg { Msg }
//! #   fn handle_reply(&mut self, _: Instant, _: NodeId, _: Msg, _: Option<Msg>, _: &mut Effects<Msg>) {}
//! #   fn start(&mut self, _: Instant, _: Bytes, _: &mut Effects<Msg>) -> Option<Started> { None }
//! #   fn snapshot(&mut self, _: Instant, _: LogIndex, _: Bytes, _: &mut Effects<Msg>) {}
//! #   fn state(&self) -> (Term, bool) { (Term(0), false) }
//! #   fn persist_bytes(&self) -> usize { 0 }
//! # }
//! // src/bin/lab.rs
//! fn main() -> std::process::ExitCode {
//!     lab::Lab::new()
//!         .variant("default", "my Raft", || Box::new(MyRaft::make))
//!         .variant("slow-heartbeat", "heartbeats every 150 ms", || {
//!             Box::new(|config, persisted, out| MyRaft::with_heartbeat_ms(config, persisted, 150, out))
//!         })
//!         .run()
//! }
//! ```
//!
//! `cargo run --release --bin lab -- --raft slow-heartbeat sweep 3A --seeds 100`
//! then prints replay lines ending in `--raft slow-heartbeat`.

use crate::cli::{Cli, Command, Usage};
use crate::report::Exit;
use clap::CommandFactory;
use raftapi::Raft;
use std::process::ExitCode;
use tester::Factory;

/// Runs one command on one variant; the name is `None` for the default.
type Dispatch = Box<dyn Fn(&Command, Option<&'static str>) -> Result<Exit, Usage>>;

/// One registered Raft.
struct Variant {
    name: &'static str,
    about: String,
    dispatch: Dispatch,
}

/// A `lab` command line over named Rafts (see the [module docs](self)).
#[derive(Default)]
pub struct Lab {
    variants: Vec<Variant>,
    /// Whether `lab mutants` is offered (the built-in binary only).
    mutants: bool,
}

impl Lab {
    /// No Rafts yet: register at least one with [`Lab::variant`].
    pub fn new() -> Lab {
        Lab::default()
    }

    /// Registers the Raft `make` builds as `name` (what `--raft` and replay
    /// lines spell), described by `about`. The first variant registered is
    /// the default. Panics on an empty, spaced or repeated name (a mistake
    /// in the binary, not in its input).
    pub fn variant<R: Raft + 'static>(
        mut self,
        name: &str,
        about: &str,
        make: fn() -> Factory<R>,
    ) -> Lab {
        assert!(
            !name.is_empty() && !name.contains(char::is_whitespace),
            "a variant's name is one word: '{name}'"
        );
        assert!(
            self.find(name).is_none(),
            "variant '{name}' is registered twice"
        );
        self.variants.push(Variant {
            name: Box::leak(name.to_string().into_boxed_str()),
            about: about.to_string(),
            dispatch: Box::new(move |command, raft| crate::dispatch(command, make, raft)),
        });
        self
    }

    /// Offers `lab mutants` (it runs labraft's injected bugs as variants).
    #[cfg(feature = "reference")]
    pub(crate) fn with_mutants(mut self) -> Lab {
        self.mutants = true;
        self
    }

    /// The registered names, default first.
    pub fn names(&self) -> Vec<&'static str> {
        self.variants.iter().map(|v| v.name).collect()
    }

    fn find(&self, name: &str) -> Option<usize> {
        self.variants.iter().position(|v| v.name == name)
    }

    /// Parses the process's command line and runs it; the exit code is the
    /// crate's (see the crate docs).
    pub fn run(self) -> ExitCode {
        assert!(
            !self.variants.is_empty(),
            "a Lab needs at least one variant"
        );
        let cli = match crate::parse(self.command()) {
            Ok(cli) => cli,
            Err(code) => return code,
        };
        crate::finish(self.run_cli(&cli))
    }

    fn run_cli(&self, cli: &Cli) -> Result<Exit, Usage> {
        let mutants = cli.command.is_mutants();
        if mutants && !self.mutants {
            return Err(Usage(
                "mutants is only known to the built-in lab binary".into(),
            ));
        }
        if mutants && cli.raft.is_some() {
            return Err(Usage("mutants chooses its own Rafts: drop --raft".into()));
        }
        crate::cli::load_scenarios(cli.scenarios.as_deref())?;
        let k = match cli.raft.as_deref() {
            None => 0,
            Some(name) => self.find(name).ok_or_else(|| {
                Usage(format!(
                    "unknown --raft '{name}': this binary's Rafts are {}",
                    self.names().join(", ")
                ))
            })?,
        };
        let variant = &self.variants[k];
        (variant.dispatch)(&cli.command, (k > 0).then_some(variant.name))
    }

    /// The clap command, with the variants listed under `--raft`.
    fn command(&self) -> clap::Command {
        let mut list = String::from("Which of this binary's Rafts to run:");
        for (k, v) in self.variants.iter().enumerate() {
            let default = if k == 0 { " [default]" } else { "" };
            list.push_str(&format!("\n  {:<34} {}{default}", v.name, v.about));
        }
        Cli::command().mut_arg("raft", |a| a.long_help(list))
    }
}
