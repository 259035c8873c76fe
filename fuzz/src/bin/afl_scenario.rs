//! AFL++ harness of the `scenario` target (see docs/testing.md): `cargo afl build --features afl`,
//! then `cargo afl fuzz -i corpus/scenario -o findings/scenario target/debug/afl_scenario`.

fn main() {
    afl::fuzz!(|data: &[u8]| {
        demarche_fuzz::Target::Scenario.run(data);
    });
}
