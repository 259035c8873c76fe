//! AFL++ harness of the `snapshot` target (see docs/testing.md): `cargo afl build --features afl`,
//! then `cargo afl fuzz -i corpus/snapshot -o findings/snapshot target/debug/afl_snapshot`.

fn main() {
    afl::fuzz!(|data: &[u8]| {
        demarche_fuzz::Target::Snapshot.run(data);
    });
}
