//! labrpc: a single-threaded discrete-event simulator of the MIT 6.5840
//! labrpc network, in virtual time, from one seed.
//!
//! The Go labrpc runs a goroutine per call and sleeps in wall-clock time. Here
//! every sleep, delay and poll is an event in one queue ordered by (time,
//! sequence number), processed on one thread; the world advances only when its
//! driver runs the simulator. The fault semantics are the Go code's, step for
//! step (`../shared/spec/mit-tester.md` §1): directed ends enabled one by one,
//! unreliable delays and drops, long delays for unreachable servers, long
//! reordering, the dead checks, and per-incarnation server objects. It knows
//! nothing of Raft: it is generic over the request and reply types, and hands
//! requests to the world through [`Output`].
//!
//! # Flow
//! The driver calls [`Sim::call`]; [`Sim::step_until`] returns
//! [`Output::Request`] when a request reaches a live server (the driver runs
//! the handler and calls [`Sim::complete`]), [`Output::Resolved`] when a call
//! resolves (reply or failure, exactly once per call), and [`Output::Timer`]
//! for timers set with [`Sim::set_timer`]. [`Sim::run_until`] does that loop
//! for any [`World`].
//!
//! # Modules
//! - [`sim`]: the simulator and its call procedure.
//! - [`faults`]: the course's numbers (delays, drop rates), named, and
//!   [`Loss`], why a call failed (in [`Output::Resolved`]).
//! - [`rng`]: the master seed and its per-purpose ChaCha streams.
//! - [`queue`]: the (time, sequence)-ordered event queue.
//! - [`time`]: virtual time in integer milliseconds.
//! - [`trace`]: the running trace hash.
//! - [`ids`]: ends, server names, server objects, calls.
//! - [`pingpong`]: a trivial service, the bare simulator's benchmark workload.
//!
//! # Example: a ping service
//! ```
//! use labrpc::{Output, ServerName, Sim, Time, World};
//!
//! struct Echo { replies: Vec<Option<u32>> }
//! impl World<u32, u32> for Echo {
//!     fn on_output(&mut self, sim: &mut Sim<u32, u32>, out: Output<u32, u32>) {
//!         match out {
//!             Output::Request { call, .. } => { let x = *sim.request(call); sim.complete(call, x + 1); }
//!             Output::Resolved { reply, .. } => self.replies.push(reply.ok()),
//!             Output::Timer { .. } => {}
//!         }
//!     }
//! }
//!
//! let mut sim = Sim::new(1);
//! let server = ServerName(0);
//! sim.add_server(server);
//! let end = sim.make_end();
//! sim.connect(end, server);
//! sim.enable(end, true);
//! sim.call(end, 41);
//! let mut world = Echo { replies: vec![] };
//! sim.run_for(10, &mut world);
//! assert_eq!(world.replies, vec![Some(42)]);
//! assert_eq!(sim.now(), Time(10));
//! ```

mod calls;
pub mod faults;
pub mod ids;
mod net;
pub mod pingpong;
pub mod queue;
pub mod rng;
pub mod sim;
pub mod time;
pub mod trace;

pub use faults::{FaultModel, Loss};
pub use ids::{CallId, EndId, ServerId, ServerName};
pub use rng::{SimRng, Streams};
pub use sim::{Output, Sim, Totals, World};
pub use time::Time;
