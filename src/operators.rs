//! The mutation operator catalog: every kind of change mutrun makes, with its name and an example.
//! (placeholder: being written)

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    Number,
}

impl Operator {
    pub fn name(self) -> &'static str {
        "number"
    }
}
