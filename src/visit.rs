//! Finds the mutation sites inside one function. (placeholder: being written)

use ruff_python_ast::StmtFunctionDef;
use ruff_python_ast::token::Tokens;

use crate::mutant::Mutation;

/// Every mutation inside `function` (body and the function's own parameter defaults), in source
/// order. `source` is the whole file's text; `tokens` its token stream.
pub fn function_mutations(_source: &str, _tokens: &Tokens, _function: &StmtFunctionDef) -> Vec<Mutation> {
    Vec::new()
}
