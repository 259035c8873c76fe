//! AFL++ harness of the `branch` target (see docs/testing.md): `cargo afl build --features afl`,
//! then `cargo afl fuzz -i corpus/branch -o findings/branch target/debug/afl_branch`.

fn main() {
    afl::fuzz!(|data: &[u8]| {
        demarche_fuzz::Target::Branch.run(data);
    });
}
