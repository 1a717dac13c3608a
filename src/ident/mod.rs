//! ident
// Placeholder until the ident branch lands (replaced on merge).
pub fn normalize(input: &str) -> String {
    input.trim().to_ascii_uppercase()
}
