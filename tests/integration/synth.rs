//! End-to-end tests of this area (filled in by its issue).
