//! Validators of what a user types into a form (FLOWS F6, F7): numbers
//! today; the registration's fields will join them.

mod phone;

pub use phone::mobile;
