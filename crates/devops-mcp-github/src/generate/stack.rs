//! Stack-specific steps and commands: toolchain setup with caching, install,
//! lint, test, build, dependency audit, and what a deploy ships.

use crate::Error;
use crate::emit::{Map, Node};
use crate::spec::{MigrationTool, PythonPackageManager, Stack, WorkflowSpec};

use super::{
    A_BUILD_PUSH, A_BUILDX, A_CACHE, A_RUST_CACHE, A_SETUP_DOTNET, A_SETUP_NODE, A_SETUP_PYTHON,
    A_SETUP_UV, CARGO_AUDIT_VERSION, Ctx, HADOLINT_IMAGE, PIP_AUDIT_VERSION, RUFF_VERSION,
    TRIVY_IMAGE, in_wd, step_run,
};

/// Test database credentials: an ephemeral service container reachable only
/// from the job, so fixed values are fine and keep tests reproducible.
const TEST_DATABASE_URL: &str = "postgresql://postgres:postgres@localhost:5432/app_test";

/// The image tag CI builds and scans for image-based stacks.
pub(crate) const CI_IMAGE: &str = "app:ci";

fn uses_uv(spec: &WorkflowSpec) -> bool {
    spec.stack.is_python() && spec.python_manager() == PythonPackageManager::Uv
}

/// Prefix that runs a Python tool inside the project environment.
fn py(spec: &WorkflowSpec) -> &'static str {
    if uses_uv(spec) { "uv run " } else { "" }
}

fn runtime(spec: &WorkflowSpec) -> String {
    spec.runtime_version.clone().unwrap_or_else(|| {
        match spec.stack {
            Stack::PythonDjango | Stack::PythonFastapi => "3.13",
            Stack::Node => "24",
            Stack::Dotnet => "10.0.x",
            Stack::Rust => "stable",
            Stack::Container => "",
        }
        .to_owned()
    })
}

/// Toolchain setup steps; `cache` is off in workflows that publish (cache
/// poisoning: a release must not restore state an untrusted run could write).
pub(crate) fn setup(ctx: &Ctx<'_>, cache: bool) -> Result<Vec<Node>, Error> {
    let spec = ctx.spec;
    let v = runtime(spec);
    let mut steps = Vec::new();
    match spec.stack {
        Stack::PythonDjango | Stack::PythonFastapi => {
            if uses_uv(spec) {
                let mut with = Map::new()
                    .with("python-version", v)
                    .with("enable-cache", cache);
                if cache {
                    with.push("cache-dependency-glob", in_wd(spec, "uv.lock"));
                }
                steps.push(ctx.step_uses("Set up uv and Python", A_SETUP_UV, Some(with))?);
            } else {
                let mut with = Map::new().with("python-version", v);
                if cache {
                    with.push("cache", "pip");
                    with.push("cache-dependency-path", in_wd(spec, "requirements*.txt"));
                }
                steps.push(ctx.step_uses("Set up Python", A_SETUP_PYTHON, Some(with))?);
            }
        }
        Stack::Node => {
            let mut with = Map::new().with("node-version", v);
            if cache {
                with.push("cache", "npm");
                with.push("cache-dependency-path", in_wd(spec, "package-lock.json"));
            } else {
                with.push("package-manager-cache", false);
            }
            steps.push(ctx.step_uses("Set up Node.js", A_SETUP_NODE, Some(with))?);
        }
        Stack::Dotnet => {
            steps.push(ctx.step_uses(
                "Set up .NET",
                A_SETUP_DOTNET,
                Some(Map::new().with("dotnet-version", v)),
            )?);
            if cache {
                steps.push(ctx.step_uses(
                    "Cache NuGet packages",
                    A_CACHE,
                    Some(
                        Map::new()
                            .with("path", "~/.nuget/packages")
                            .with(
                                "key",
                                "nuget-${{ runner.os }}-${{ hashFiles('**/*.csproj', '**/packages.lock.json', '**/Directory.Packages.props') }}",
                            )
                            .with("restore-keys", "nuget-${{ runner.os }}-"),
                    ),
                )?);
            }
        }
        Stack::Rust => {
            steps.push(step_run(
                "Install the Rust toolchain",
                &format!(
                    "rustup toolchain install {v} --profile minimal --component clippy,rustfmt\nrustup default {v}\n"
                ),
            ));
            if cache {
                let mut with = Map::new();
                if spec.working_directory != "." {
                    with.push("workspaces", spec.working_directory.clone());
                }
                steps.push(ctx.step_uses(
                    "Cache cargo registry and build output",
                    A_RUST_CACHE,
                    (!with.is_empty()).then_some(with),
                )?);
            }
        }
        Stack::Container => {
            steps.push(ctx.step_uses("Set up Docker Buildx", A_BUILDX, None)?);
        }
    }
    Ok(steps)
}

/// Installs dependencies (empty for the container stack).
pub(crate) fn install(spec: &WorkflowSpec) -> Option<String> {
    if let Some(c) = &spec.commands.install {
        return Some(c.clone());
    }
    match spec.stack {
        Stack::PythonDjango | Stack::PythonFastapi => Some(if uses_uv(spec) {
            "uv sync --locked".to_owned()
        } else {
            "python -m pip install --upgrade pip\npython -m pip install -r requirements.txt"
                .to_owned()
        }),
        Stack::Node => Some("npm ci".to_owned()),
        Stack::Dotnet => Some("dotnet restore".to_owned()),
        Stack::Rust => Some("cargo fetch --locked".to_owned()),
        Stack::Container => None,
    }
}

/// Lints the code.
pub(crate) fn lint(spec: &WorkflowSpec) -> String {
    if let Some(c) = &spec.commands.lint {
        return c.clone();
    }
    match spec.stack {
        Stack::PythonDjango | Stack::PythonFastapi => {
            if uses_uv(spec) {
                format!("uvx ruff@{RUFF_VERSION} check .\nuvx ruff@{RUFF_VERSION} format --check .")
            } else {
                format!(
                    "python -m pip install ruff=={RUFF_VERSION}\nruff check .\nruff format --check ."
                )
            }
        }
        Stack::Node => "npm run lint --if-present".to_owned(),
        Stack::Dotnet => "dotnet format --verify-no-changes --no-restore".to_owned(),
        Stack::Rust => {
            "cargo fmt --all --check\ncargo clippy --all-targets --locked -- -D warnings".to_owned()
        }
        Stack::Container => {
            format!(
                "docker run --rm -i {HADOLINT_IMAGE} < {}",
                shell_word(&spec.container.dockerfile)
            )
        }
    }
}

/// Runs the tests (the container stack's tests are a smoke test of the image).
pub(crate) fn test(spec: &WorkflowSpec) -> String {
    if let Some(c) = &spec.commands.test {
        return c.clone();
    }
    let p = py(spec);
    match spec.stack {
        Stack::PythonDjango => format!(
            "{p}python manage.py check\n{p}python manage.py makemigrations --check --dry-run\n{p}python manage.py test"
        ),
        Stack::PythonFastapi => format!("{p}python -m pytest"),
        Stack::Node => "npm test".to_owned(),
        Stack::Dotnet => "dotnet test --no-restore --configuration Release".to_owned(),
        Stack::Rust => "cargo test --locked".to_owned(),
        Stack::Container => container_smoke(spec),
    }
}

fn container_smoke(spec: &WorkflowSpec) -> String {
    format!(
        "{smoke}docker run --detach --name app-under-test --publish 8080:{port} {CI_IMAGE}\ntrap 'docker logs app-under-test; docker rm --force app-under-test' EXIT\nsmoke_test \"http://localhost:8080{health}\"\n",
        smoke = super::smoke_test_fn(spec),
        port = spec.container.port,
        health = spec.deployment.health_path,
    )
}

/// Builds the deployable output, if the stack has a build step.
pub(crate) fn build(spec: &WorkflowSpec) -> Option<String> {
    if let Some(c) = &spec.commands.build {
        return Some(c.clone());
    }
    match spec.stack {
        Stack::PythonDjango => Some(format!(
            "{}python manage.py collectstatic --noinput",
            py(spec)
        )),
        Stack::PythonFastapi | Stack::Container => None,
        Stack::Node => Some("npm run build --if-present".to_owned()),
        Stack::Dotnet => Some(
            "dotnet publish --no-restore --configuration Release --output \"$RUNNER_TEMP/publish\""
                .to_owned(),
        ),
        Stack::Rust => Some("cargo build --release --locked".to_owned()),
    }
}

/// Audits dependencies for known vulnerabilities; the container stack scans
/// its image instead ([`image_scan`]).
pub(crate) fn audit(spec: &WorkflowSpec) -> Option<String> {
    match spec.stack {
        Stack::PythonDjango | Stack::PythonFastapi => Some(if uses_uv(spec) {
            format!(
                "uv export --format requirements-txt --no-hashes --frozen --no-emit-project > \"$RUNNER_TEMP/requirements-audit.txt\"\nuvx pip-audit@{PIP_AUDIT_VERSION} --no-deps --disable-pip -r \"$RUNNER_TEMP/requirements-audit.txt\""
            )
        } else {
            format!(
                "python -m pip install pip-audit=={PIP_AUDIT_VERSION}\npip-audit -r requirements.txt"
            )
        }),
        Stack::Node => Some("npm audit --audit-level=high --omit=dev".to_owned()),
        Stack::Dotnet => Some(
            "dotnet list package --vulnerable --include-transitive 2>&1 | tee \"$RUNNER_TEMP/vulnerable.txt\"\nif grep -q -i 'has the following vulnerable packages' \"$RUNNER_TEMP/vulnerable.txt\"; then\n  echo '::error::Vulnerable NuGet packages found'\n  exit 1\nfi".to_owned(),
        ),
        Stack::Rust => Some(format!(
            "cargo install cargo-audit --locked --version {CARGO_AUDIT_VERSION}\ncargo audit"
        )),
        Stack::Container => None,
    }
}

/// Whether `audit` needs the install step first.
pub(crate) fn audit_needs_install(spec: &WorkflowSpec) -> bool {
    matches!(spec.stack, Stack::Dotnet)
}

/// Scans a local image with Trivy for fixable high and critical vulnerabilities.
pub(crate) fn image_scan(image: &str) -> String {
    format!(
        "docker run --rm --volume /var/run/docker.sock:/var/run/docker.sock {TRIVY_IMAGE} image --exit-code 1 --severity HIGH,CRITICAL --ignore-unfixed --no-progress {image}"
    )
}

/// A buildx step that builds the image into the local Docker engine (`load`)
/// or into an archive file (`dest`).
pub(crate) fn build_image(ctx: &Ctx<'_>, tag: &str, dest: Option<&str>) -> Result<Node, Error> {
    let spec = ctx.spec;
    let mut with = Map::new()
        .with("context", spec.working_directory.clone())
        .with("file", in_wd(spec, &spec.container.dockerfile))
        .with("tags", tag);
    match dest {
        Some(d) => with.push("outputs", format!("type=docker,dest={d}")),
        None => with.push("load", true),
    }
    with.push("push", false);
    ctx.step_uses("Build the container image", A_BUILD_PUSH, Some(with))
}

/// PostgreSQL service container for tests, when the spec has a database.
pub(crate) fn services(spec: &WorkflowSpec) -> Option<Map> {
    let db = spec.database.as_ref()?;
    Some(
        Map::new().with(
            "postgres",
            Map::new()
                .with("image", format!("postgres:{}", db.version))
                .with(
                    "env",
                    Map::new()
                        .with("POSTGRES_USER", "postgres")
                        .with("POSTGRES_PASSWORD", "postgres")
                        .with("POSTGRES_DB", "app_test"),
                )
                .with("ports", crate::emit::str_seq(["5432:5432"]))
                .with(
                    "options",
                    "--health-cmd \"pg_isready -U postgres\" --health-interval 10s --health-timeout 5s --health-retries 10",
                ),
        ),
    )
}

/// Environment of the test step: where the service database is.
pub(crate) fn test_env(spec: &WorkflowSpec) -> Option<Map> {
    spec.database.as_ref()?;
    Some(Map::new().with("DATABASE_URL", TEST_DATABASE_URL))
}

/// Migration round trip against the service database in CI, so a migration
/// that cannot be applied or reverted fails before it reaches an environment.
pub(crate) fn migration_check(spec: &WorkflowSpec) -> Option<String> {
    spec.database.as_ref()?;
    let p = py(spec);
    match spec.migration_tool()? {
        MigrationTool::Django => Some(format!(
            "{p}python manage.py migrate --noinput\n{p}python manage.py migrate --check"
        )),
        MigrationTool::Alembic => Some(format!(
            "{p}alembic upgrade head\n{p}alembic downgrade base\n{p}alembic upgrade head"
        )),
    }
}

/// The artifact a code deploy to Azure Web App ships: the published output for
/// .NET, the working directory (sources, built assets, no VCS data) otherwise.
pub(crate) fn package_path(spec: &WorkflowSpec) -> String {
    match spec.stack {
        Stack::Dotnet => "${{ runner.temp }}/publish".to_owned(),
        _ => spec.working_directory.clone(),
    }
}

/// Commands that turn the working directory into a deployable package (after
/// build), e.g. dropping development dependencies.
pub(crate) fn package_prepare(spec: &WorkflowSpec) -> Option<String> {
    match spec.stack {
        Stack::Node => Some("npm prune --omit=dev".to_owned()),
        // App Service's build (Oryx) installs from requirements.txt.
        Stack::PythonDjango | Stack::PythonFastapi if uses_uv(spec) => Some(
            "uv export --format requirements-txt --no-hashes --frozen --no-emit-project > requirements.txt".to_owned(),
        ),
        _ => None,
    }
}

/// Quotes a word for bash when it is not plainly safe.
pub(crate) fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-".contains(&b))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
