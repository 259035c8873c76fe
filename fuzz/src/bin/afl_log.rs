//! AFL++ harness of the `log` target (see docs/testing.md): `cargo afl build --features afl`,
//! then `cargo afl fuzz -i corpus/log -o findings/log target/debug/afl_log`.

fn main() {
    afl::fuzz!(|data: &[u8]| {
        demarche_fuzz::Target::Log.run(data);
    });
}
