//! Branches per second on the founding scenario: one branch run from the cached prefix, and a
//! sweep on two threads. Criterion reports throughput in elements (branches) per second.
//!
//! `cargo bench --bench whatif -- --warm-up-time 1 --measurement-time 3`; the figure is
//! recorded in docs/benchmarks.md.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use demarche::whatif::{self, Input, sweep};
use std::hint::black_box;
use std::path::Path;

fn branches(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/whatif/nato-expels-two.toml");
    let Ok(Input::Branch(bf, base)) = whatif::load_input(&path) else {
        panic!("the branch file loads");
    };
    let b = bf.build(&base).expect("the branch file builds");
    let p = b.prepare();
    let mut g = c.benchmark_group("whatif");
    g.throughput(Throughput::Elements(1));
    let mut seed = 0u64;
    g.bench_function("branch nato-expels-two", |bench| {
        bench.iter(|| {
            seed += 1;
            black_box(p.run(seed, false).digest())
        })
    });
    const RUNS: usize = 512;
    g.throughput(Throughput::Elements(RUNS as u64));
    g.bench_function("sweep 512 on 2 threads", |bench| {
        bench.iter(|| black_box(sweep::sweep(&p, RUNS, 7, 2, None)))
    });
    g.finish();
}

criterion_group!(benches, branches);
criterion_main!(benches);
