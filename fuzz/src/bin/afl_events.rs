//! AFL++ harness of the `events` target (see docs/testing.md): `cargo afl build --features afl`,
//! then `cargo afl fuzz -i corpus/events -o findings/events target/debug/afl_events`.

fn main() {
    afl::fuzz!(|data: &[u8]| {
        demarche_fuzz::Target::Events.run(data);
    });
}
