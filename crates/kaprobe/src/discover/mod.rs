//! Discovery: many sessions at once under one plan. `idle-timeout` finds how long
//! a path lets an idle connection live and how it dies: [`ladder`] spaces the idle
//! ages, [`planner`] decides what to open and close and reaches the verdict (pure
//! logic, on a clock it is given), [`idle`] drives real sessions by the plan.

pub mod idle;
pub mod ladder;
pub mod layers;
pub mod planner;
pub mod policy;

pub use planner::{Origin, Outcome, Plan, Planner, Verdict, VerdictKind};
