//! Drives real sessions by the idle-timeout plan.
