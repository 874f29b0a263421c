//! Audit: sample determinations reproducibly, review them beside their
//! evidence, and report agreement. (Issue #5 builds this crate out.)
