//! Generate and validate the full production set (Django, PostgreSQL, private networking,
//! dev/staging/prod parameter files): the target is under 5 ms median. The type data
//! is loaded once, as the server does at start-up.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use devops_mcp_azure::bicep::{BicepSpec, SourceFile, TypeIndex, generate, validate};

/// The allocator the `devops-mcp` binary ships with, so the numbers are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn bench(c: &mut Criterion) {
    let types = TypeIndex::load_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/contracts/bicep-types"),
    )
    .expect("shared bicep-types");
    let spec = BicepSpec::from_json(serde_json::json!({
        "app_name": "shop",
        "workload": "django",
        "database": {"kind": "postgresql-flexible"},
        "networking": {"mode": "private"},
        "monitoring": {"alert_emails": ["ops@example.com"]}
    }))
    .expect("spec");
    // Warm the lazily parsed type files, as a running server would have.
    let generated = generate(&spec, Some(&types)).expect("generates");
    let sources: Vec<SourceFile> = generated
        .files
        .iter()
        .filter(|f| !f.path.ends_with(".md"))
        .map(|f| SourceFile::new(f.path.clone(), f.content.clone()))
        .collect();

    c.bench_function("generate_and_validate_prod_set", |b| {
        b.iter(|| generate(black_box(&spec), Some(&types)).expect("generates"));
    });
    c.bench_function("validate_prod_set", |b| {
        b.iter(|| validate(black_box(&sources), Some(&types)));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
