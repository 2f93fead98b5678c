//! Background actors: the Go tests' goroutines (TestUnreliableAgree3C's piled
//! up `one` calls, the churn clients) as state machines that the simulator
//! wakes with timers, inside the single-threaded run.

use crate::churn::ChurnClient;
use crate::failure::Check;
use crate::harness::Tester;
use crate::one::One;
use raftapi::Raft;

/// What a task wants next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step<T> {
    /// Sleep this many virtual milliseconds, then step again.
    Sleep(u64),
    /// Finished with this result.
    Done(T),
}

/// A background task.
pub(crate) enum Task {
    /// A goroutine running `one(...)`.
    One(One),
    /// A churn client.
    Churn(ChurnClient),
}

/// A task's identity, for joining it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskId(pub(crate) usize);

impl<R: Raft> Tester<R> {
    /// Starts a goroutine running `one(...)`; it first runs at the current
    /// instant, after the events already due.
    pub fn spawn_one(&mut self, one: One) -> TaskId {
        self.spawn(Task::One(one))
    }

    pub(crate) fn spawn(&mut self, task: Task) -> TaskId {
        let id = self.tasks.len();
        self.tasks.push(Some(task));
        self.sim.set_timer(self.sim.now(), id as u64);
        TaskId(id)
    }

    /// Whether the task has finished.
    pub fn task_done(&self, id: TaskId) -> bool {
        self.tasks[id.0].is_none()
    }

    /// Steps task `id` (its timer fired).
    pub(crate) fn run_task(&mut self, id: usize) {
        let Some(mut task) = self.tasks[id].take() else {
            return;
        };
        let step: Check<Step<()>> = match &mut task {
            Task::One(one) => one.step(self).map(|s| match s {
                Step::Sleep(ms) => Step::Sleep(ms),
                Step::Done(_) => Step::Done(()),
            }),
            Task::Churn(client) => client.step(self),
        };
        match step {
            Ok(Step::Sleep(ms)) => {
                self.tasks[id] = Some(task);
                self.sim.set_timer(self.sim.now() + ms, id as u64);
            }
            Ok(Step::Done(())) => {
                if let Task::Churn(client) = task {
                    self.churn_results.push(client.into_values());
                }
            }
            Err(f) => self.fail(f),
        }
    }

    /// Sleeps in steps until every listed task finished (the Go tests'
    /// `wg.Wait()` / channel joins).
    pub fn join(&mut self, ids: &[TaskId]) -> Check {
        while !ids.iter().all(|&id| self.task_done(id)) {
            let Some(next) = self.sim.next_event_time() else {
                unreachable!("an unfinished task always has a pending timer")
            };
            self.run_until(next)?;
        }
        Ok(())
    }
}
