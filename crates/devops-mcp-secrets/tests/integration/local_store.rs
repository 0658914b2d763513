//! The local store against the reference `age` CLI, SIGKILLed writers and
//! concurrent writers in threads and processes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use devops_mcp_secrets::{LocalStore, SecretValue, ValidProperties};

use crate::common;

/// Selects the role of a re-executed test binary.
const CHILD_ROLE: &str = "DEVOPS_MCP_SECRETS_TEST_CHILD";
const CHILD_DIR: &str = "DEVOPS_MCP_SECRETS_TEST_DIR";
const CHILD_ID: &str = "DEVOPS_MCP_SECRETS_TEST_ID";
const WRITES_PER_WRITER: usize = 3;

fn store_in(dir: &Path) -> LocalStore {
    LocalStore::new(
        dir.join("config/identity.txt"),
        dir.join("data/secrets.age"),
    )
}

fn enabled() -> ValidProperties {
    ValidProperties {
        enabled: true,
        ..ValidProperties::default()
    }
}

fn value(text: impl Into<String>) -> SecretValue {
    SecretValue::new(text.into())
}

/// Decrypt the store with the reference CLI and parse the JSON it prints.
fn age_decrypt(store: &LocalStore) -> serde_json::Value {
    let output = Command::new(common::tool("age"))
        .arg("-d")
        .arg("-i")
        .arg(store.identity_path())
        .arg(store.store_path())
        .output()
        .expect("run age");
    assert!(
        output.status.success(),
        "age -d failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("age prints the JSON document")
}

/// One writer's work: its own names, plus versions of a shared name.
fn write_batch(store: &LocalStore, id: usize) {
    for k in 0..WRITES_PER_WRITER {
        store
            .set(
                &format!("W{id}_{k}"),
                &value(format!("v-{id}-{k}")),
                &enabled(),
                false,
            )
            .expect("own secret");
        store
            .set("SHARED", &value(format!("s-{id}-{k}")), &enabled(), true)
            .expect("shared secret");
    }
}

/// Check that the writes of `writers` writers all landed.
fn check_batches(store: &LocalStore, writers: usize) {
    let list = store.list().expect("list");
    assert_eq!(
        list.len(),
        writers * WRITES_PER_WRITER + 1,
        "names: {list:?}"
    );
    for id in 0..writers {
        for k in 0..WRITES_PER_WRITER {
            let (got, _) = store.get(&format!("W{id}_{k}"), None).expect("own secret");
            assert_eq!(got.expose(), format!("v-{id}-{k}"));
        }
    }
    let document = age_decrypt(store);
    let shared: BTreeSet<String> = document["secrets"]["SHARED"]["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| v["value"].as_str().expect("value").to_owned())
        .collect();
    let expected: BTreeSet<String> = (0..writers)
        .flat_map(|id| (0..WRITES_PER_WRITER).map(move |k| format!("s-{id}-{k}")))
        .collect();
    assert_eq!(shared, expected, "lost versions of SHARED");
}

/// Overwrite `COUNTER` with 1, 2, 3, ... forever (until killed); touch
/// `ready` after the first write.
fn run_looper(dir: &Path) {
    let store = store_in(dir);
    let start = store.versions("COUNTER").map(|v| v.len()).unwrap_or(0);
    for i in start + 1.. {
        store
            .set("COUNTER", &value(i.to_string()), &enabled(), true)
            .expect("looper write");
        if i == start + 1 {
            std::fs::write(dir.join("ready"), b"").expect("ready file");
        }
    }
}

fn spawn_child(role: &str, dir: &Path, id: usize) -> std::process::Child {
    Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "local_store::child_writer",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ROLE, role)
        .env(CHILD_DIR, dir)
        .env(CHILD_ID, id.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn child")
}

/// Both a test and the body of child processes. With the child variables
/// set (by the tests below) it does the writes it is told to and exits;
/// without them it runs one writer in-process on a fresh store and checks
/// every write landed.
#[test]
fn child_writer() {
    match std::env::var(CHILD_ROLE).ok().as_deref() {
        Some(role) => {
            let dir = PathBuf::from(std::env::var(CHILD_DIR).expect("child dir"));
            let id: usize = std::env::var(CHILD_ID)
                .expect("child id")
                .parse()
                .expect("child id number");
            match role {
                "writer" => write_batch(&store_in(&dir), id),
                "looper" => run_looper(&dir),
                other => panic!("unknown child role {other}"),
            }
        }
        None => {
            let dir = tempfile::tempdir().expect("tempdir");
            let store = store_in(dir.path());
            write_batch(&store, 0);
            check_batches(&store, 1);
        }
    }
}

#[test]
fn reference_age_cli_decrypts_the_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store_in(dir.path());
    let canary = common::canary();
    let properties = devops_mcp_secrets::SecretProperties {
        content_type: Some("text/plain".to_owned()),
        tags: [("env".to_owned(), "prod".to_owned())].into(),
        ..Default::default()
    }
    .validate()
    .expect("properties");
    let first = store
        .set("API_KEY", &value(format!("{canary}-1")), &properties, false)
        .expect("first");
    let second = store
        .set("API_KEY", &value(format!("{canary}-2")), &enabled(), true)
        .expect("second");
    store
        .set("OTHER", &value("plain"), &enabled(), false)
        .expect("other");

    let document = age_decrypt(&store);
    assert_eq!(document["format"], 1);
    let versions = document["secrets"]["API_KEY"]["versions"]
        .as_array()
        .expect("versions");
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["version"], first.version.as_str());
    assert_eq!(versions[0]["value"], format!("{canary}-1").as_str());
    assert_eq!(versions[0]["content_type"], "text/plain");
    assert_eq!(versions[0]["tags"]["env"], "prod");
    assert_eq!(versions[0]["enabled"], true);
    assert_eq!(versions[1]["version"], second.version.as_str());
    assert_eq!(versions[1]["value"], format!("{canary}-2").as_str());
    assert_eq!(
        document["secrets"]["OTHER"]["versions"][0]["value"],
        "plain"
    );

    // The identity is a standard age key file, private to the user.
    let identity = std::fs::read_to_string(store.identity_path()).expect("identity");
    assert!(
        identity
            .lines()
            .any(|l| l.starts_with("# public key: age1"))
    );
    assert!(identity.lines().any(|l| l.starts_with("AGE-SECRET-KEY-1")));
    #[cfg(unix)]
    for path in [store.identity_path(), store.store_path()] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{}", path.display());
    }
    // The ciphertext holds no plaintext.
    let raw = std::fs::read(store.store_path()).expect("raw store");
    assert!(raw.starts_with(b"age-encryption.org/v1\n"));
    assert!(!String::from_utf8_lossy(&raw).contains(&canary));
    // Listing shows metadata only.
    let listed = serde_json::to_string(&store.list().expect("list")).expect("json");
    assert!(
        listed.contains("API_KEY") && !listed.contains(&canary),
        "{listed}"
    );
}

#[test]
fn twenty_concurrent_writers_lose_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store_in(dir.path());
    // Ten writers are child processes, ten are threads of this process.
    let children: Vec<_> = (0..10)
        .map(|id| spawn_child("writer", dir.path(), id))
        .collect();
    let threads: Vec<_> = (10..20)
        .map(|id| {
            let store = store.clone();
            std::thread::spawn(move || write_batch(&store, id))
        })
        .collect();
    for thread in threads {
        thread.join().expect("writer thread");
    }
    for child in children {
        let output = child.wait_with_output().expect("child");
        assert!(
            output.status.success(),
            "child writer failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    check_batches(&store, 20);
}

#[test]
fn sigkill_mid_write_leaves_the_old_or_the_new_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store_in(dir.path());
    // A large store makes every write (encrypt, write, fsync) take long
    // enough for kills to land inside it.
    store
        .set("BIG", &value("b".repeat(1 << 20)), &enabled(), false)
        .expect("big secret");
    let temp_prefix = ".secrets.age.tmp-";
    let data_dir = dir.path().join("data");
    let temp_files = || {
        std::fs::read_dir(&data_dir)
            .expect("data dir")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with(temp_prefix))
            .count()
    };
    let mut kills_mid_write = 0;
    let rounds = 8;
    for round in 0..rounds {
        let ready = dir.path().join("ready");
        let _ = std::fs::remove_file(&ready);
        let mut child = spawn_child("looper", dir.path(), round);
        let started = Instant::now();
        while !ready.exists() {
            if let Some(status) = child.try_wait().expect("poll child") {
                panic!("looper exited early with {status}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "looper never became ready"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        // Even rounds: kill as soon as a write is under way (its temporary
        // file exists). Odd rounds: kill at a random moment.
        if round % 2 == 0 {
            while temp_files() == 0 {
                assert!(
                    started.elapsed() < Duration::from_secs(120),
                    "no write started"
                );
            }
        } else {
            let mut jitter = [0u8; 2];
            getrandom::fill(&mut jitter).expect("random");
            std::thread::sleep(Duration::from_millis(u64::from(
                u16::from_le_bytes(jitter) % 700,
            )));
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");

        if temp_files() > 0 {
            kills_mid_write += 1;
        }
        // Whatever the kill interrupted, the store is a whole document in
        // which COUNTER holds 1, 2, ..., n in order: the old or the new state.
        let document = age_decrypt(&store);
        assert_eq!(
            document["secrets"]["BIG"]["versions"][0]["value"]
                .as_str()
                .map(str::len),
            Some(1 << 20)
        );
        let counter: Vec<String> = document["secrets"]["COUNTER"]["versions"]
            .as_array()
            .expect("COUNTER versions")
            .iter()
            .map(|v| v["value"].as_str().expect("value").to_owned())
            .collect();
        let expected: Vec<String> = (1..=counter.len()).map(|i| i.to_string()).collect();
        assert_eq!(counter, expected, "round {round}");
    }
    assert!(
        kills_mid_write > 0,
        "none of {rounds} kills landed while a write was in progress"
    );
    // The next writer clears what the killed ones left and works normally.
    store
        .set("AFTER", &value("ok"), &enabled(), false)
        .expect("write after kills");
    assert_eq!(temp_files(), 0);
    assert_eq!(store.get("AFTER", None).expect("after").0.expose(), "ok");
}
