//! Discovery: many sessions at once under one plan, one folder a verb. [`idle`]
//! finds how long a path lets an idle connection live and how it dies; [`policy`]
//! what HTTP/2 PING rate a server allows; [`layers`] which keepalive mechanism
//! survives a path.

pub mod idle;
pub mod layers;
pub mod policy;

pub use idle::{Origin, Outcome, Plan, Planner, Verdict, VerdictKind, ladder};
