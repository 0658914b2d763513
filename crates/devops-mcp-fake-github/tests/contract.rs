//! The fake itself: it must catch a client that breaks GitHub's contract,
//! serve what it models within the contract, page with `Link` headers, and
//! behave like GitHub on scopes, rate limits and Actions secrets.

use std::time::Duration;

use base64::Engine as _;
use devops_mcp_fake_github::{
    Access, FakeGithub, Organization, Permissions, RateLimit, Release, Repository, SecretScope,
    SecretsKey, TagKind, Token,
};
use serde_json::{Value, json};

const TOKEN: &str = "ghp_test";

async fn fake() -> FakeGithub {
    let fake = FakeGithub::start(FakeGithub::installed_description())
        .await
        .expect("fake");
    fake.add_repository("octo", "app", Repository::new().environment("production"));
    fake.add_token(
        TOKEN,
        Token::classic("octo", &["repo", "workflow", "admin:org"]),
    );
    fake
}

fn client(fake: &FakeGithub, token: &str) -> octocrab::Octocrab {
    octocrab::Octocrab::builder()
        .personal_token(token.to_owned())
        .base_uri(fake.url())
        .expect("base")
        .build()
        .expect("client")
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

async fn send(
    client: &octocrab::Octocrab,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Answer {
    let response = match method {
        "GET" => client._get(path).await,
        "POST" => client._post(path, body.as_ref()).await,
        "PUT" => client._put(path, body.as_ref()).await,
        "PATCH" => client._patch(path, body.as_ref()).await,
        "DELETE" => client._delete(path, body.as_ref()).await,
        other => panic!("method {other}"),
    }
    .expect("request");
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                v.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let text = client.body_to_string(response).await.expect("body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).expect("JSON body")
    };
    Answer {
        status,
        headers,
        body,
    }
}

#[tokio::test]
async fn a_client_breaking_the_contract_is_caught() {
    let fake = fake().await;
    let gh = client(&fake, TOKEN);
    // `sha` is required by git/create-ref.
    let answer = send(
        &gh,
        "POST",
        "/repos/octo/app/git/refs",
        Some(json!({ "ref": "refs/heads/x" })),
    )
    .await;
    assert_eq!(answer.status, 422);
    // A wrongly typed field, an undeclared query parameter, an unknown path.
    send(
        &gh,
        "POST",
        "/repos/octo/app/git/blobs",
        Some(json!({ "content": 42 })),
    )
    .await;
    send(&gh, "GET", "/repos/octo/app/pulls?colour=blue", None).await;
    let answer = send(&gh, "GET", "/repos/octo/app/not-an-endpoint", None).await;
    assert_eq!(answer.status, 404);
    // A real operation the fake does not model.
    let answer = send(&gh, "GET", "/repos/octo/app/issues", None).await;
    assert_eq!(answer.status, 501);

    let violations = fake.violations();
    let expect = [
        ("git/create-ref", "\"sha\" is a required property"),
        ("git/create-blob", "42 is not of type \"string\""),
        ("pulls/list", "query parameter `colour` is not declared"),
        ("/not-an-endpoint", "no operation in GitHub's description"),
        ("issues/list-for-repo", "does not model"),
    ];
    for (operation, text) in expect {
        assert!(
            violations
                .iter()
                .any(|v| v.contains(operation) && v.contains(text)),
            "no violation for {operation} containing {text:?} in {violations:#?}"
        );
    }
    assert_eq!(violations.len(), expect.len(), "{violations:#?}");
}

#[tokio::test]
async fn git_data_round_trip_uses_real_object_ids() {
    let fake = fake().await;
    let gh = client(&fake, TOKEN);
    let blob = send(
        &gh,
        "POST",
        "/repos/octo/app/git/blobs",
        Some(json!({ "content": "hello\n", "encoding": "utf-8" })),
    )
    .await;
    assert_eq!(blob.status, 201);
    // `printf 'hello\n' | git hash-object --stdin`
    assert_eq!(blob.body["sha"], "ce013625030ba8dba906f756967f9e9ca394464a");
    let head = send(&gh, "GET", "/repos/octo/app/git/ref/heads/main", None).await;
    let head_sha = head.body["object"]["sha"].as_str().expect("sha").to_owned();
    let base = send(
        &gh,
        "GET",
        &format!("/repos/octo/app/git/commits/{head_sha}"),
        None,
    )
    .await;
    let tree = send(
        &gh,
        "POST",
        "/repos/octo/app/git/trees",
        Some(json!({
            "base_tree": base.body["tree"]["sha"],
            "tree": [
                { "path": "docs/hello.txt", "mode": "100644", "type": "blob", "sha": blob.body["sha"] },
                { "path": "docs/inline.txt", "mode": "100644", "type": "blob", "content": "inline\n" },
            ],
        })),
    )
    .await;
    assert_eq!(tree.status, 201, "{}", tree.body);
    let commit = send(
        &gh,
        "POST",
        "/repos/octo/app/git/commits",
        Some(json!({ "message": "docs", "tree": tree.body["sha"], "parents": [head_sha] })),
    )
    .await;
    assert_eq!(commit.status, 201);
    let sha = commit.body["sha"].as_str().expect("sha");
    let moved = send(
        &gh,
        "PATCH",
        "/repos/octo/app/git/refs/heads/main",
        Some(json!({ "sha": sha })),
    )
    .await;
    assert_eq!(moved.status, 200, "fast-forward of an unprotected branch");
    let files = fake.files("octo", "app", "main");
    assert_eq!(
        files.get("docs/hello.txt").map(String::as_str),
        Some("hello\n")
    );
    assert_eq!(
        files.get("docs/inline.txt").map(String::as_str),
        Some("inline\n")
    );
    assert!(files.contains_key("README.md"));
    let listing = send(
        &gh,
        "GET",
        &format!("/repos/octo/app/git/trees/{sha}?recursive=1"),
        None,
    )
    .await;
    let paths: Vec<&str> = listing.body["tree"]
        .as_array()
        .expect("tree")
        .iter()
        .filter_map(|e| e["path"].as_str())
        .collect();
    assert_eq!(
        paths,
        vec!["README.md", "docs", "docs/hello.txt", "docs/inline.txt"]
    );
    let read = send(
        &gh,
        "GET",
        "/repos/octo/app/git/blobs/ce013625030ba8dba906f756967f9e9ca394464a",
        None,
    )
    .await;
    assert_eq!(read.body["content"], "aGVsbG8K\n");
    fake.assert_contract_clean();
}

#[tokio::test]
async fn lists_are_paged_with_link_headers() {
    let fake = fake().await;
    for branch in ["a", "b", "c", "d", "e"] {
        fake.create_branch("octo", "app", branch, "main")
            .expect("branch");
    }
    fake.set_max_page_size(2);
    let gh = client(&fake, TOKEN);
    let mut names = Vec::new();
    let mut next = Some("/repos/octo/app/branches?per_page=100".to_owned());
    let mut links = Vec::new();
    while let Some(path) = next.take() {
        let answer = send(&gh, "GET", &path, None).await;
        assert_eq!(answer.status, 200);
        for branch in answer.body.as_array().expect("array") {
            names.push(branch["name"].as_str().expect("name").to_owned());
        }
        let link = answer.header("link").unwrap_or_default().to_owned();
        next = link
            .split(", ")
            .find(|l| l.ends_with("rel=\"next\""))
            .map(|l| {
                let url = l.trim_start_matches('<').split('>').next().expect("url");
                url.trim_start_matches(fake.url()).to_owned()
            });
        links.push(link);
    }
    assert_eq!(names, vec!["a", "b", "c", "d", "e", "main"]);
    let base = format!("{}/repos/octo/app/branches?per_page=100", fake.url());
    assert_eq!(
        links[1],
        format!(
            "<{base}&page=3>; rel=\"next\", <{base}&page=3>; rel=\"last\", <{base}&page=1>; rel=\"first\", <{base}&page=1>; rel=\"prev\""
        )
    );
    assert_eq!(links.len(), 3);
    fake.assert_contract_clean();
}

#[tokio::test]
async fn scopes_are_echoed_and_enforced_on_workflow_files() {
    let fake = fake().await;
    fake.add_token("ghp_no_workflow", Token::classic("octo", &["repo"]));
    let fine = Permissions {
        workflows: Access::None,
        ..Permissions::all()
    };
    fake.add_token("github_pat", Token::fine_grained("octo", fine));
    let tree = json!({ "tree": [{ "path": ".github/workflows/ci.yml", "mode": "100644", "type": "blob", "content": "on: push\n" }] });
    let classic = client(&fake, "ghp_no_workflow");
    let answer = send(&classic, "GET", "/repos/octo/app", None).await;
    assert_eq!(answer.header("x-oauth-scopes"), Some("repo"));
    assert_eq!(answer.body["permissions"]["push"], true);
    let answer = send(
        &classic,
        "POST",
        "/repos/octo/app/git/trees",
        Some(tree.clone()),
    )
    .await;
    assert_eq!(
        (answer.status, answer.body["message"].as_str()),
        (404, Some("Not Found"))
    );
    let pat = client(&fake, "github_pat");
    let answer = send(
        &pat,
        "POST",
        "/repos/octo/app/git/trees",
        Some(tree.clone()),
    )
    .await;
    assert_eq!(
        answer.header("x-oauth-scopes"),
        None,
        "fine-grained tokens list no scopes"
    );
    assert_eq!(answer.status, 403);
    assert_eq!(
        answer.body["message"],
        "Resource not accessible by personal access token"
    );
    let full = client(&fake, TOKEN);
    assert_eq!(
        send(&full, "POST", "/repos/octo/app/git/trees", Some(tree))
            .await
            .status,
        201
    );
    let me = send(&classic, "GET", "/user", None).await;
    assert_eq!((me.status, me.body["login"].as_str()), (200, Some("octo")));
    let answer = send(
        &client(&fake, "ghp_unknown"),
        "GET",
        "/repos/octo/app",
        None,
    )
    .await;
    assert_eq!(
        (answer.status, answer.body["message"].as_str()),
        (401, Some("Bad credentials"))
    );
    fake.assert_contract_clean();
}

#[tokio::test]
async fn tags_releases_and_tag_objects_are_served_within_the_contract() {
    let fake = fake().await;
    let gh = client(&fake, TOKEN);
    let no_release = send(&gh, "GET", "/repos/octo/app/releases/latest", None).await;
    assert_eq!(no_release.status, 404);

    let c1 = fake
        .commit_file("octo", "app", "main", "VERSION", "1.0.0\n")
        .expect("commit");
    let c2 = fake
        .commit_file("octo", "app", "main", "VERSION", "2.0.0\n")
        .expect("commit");
    let c3 = fake
        .commit_file("octo", "app", "main", "VERSION", "3.0.0-rc.1\n")
        .expect("commit");
    assert_eq!(
        fake.create_tag("octo", "app", "v1.0.0", &c1, TagKind::Lightweight),
        Some(c1.clone())
    );
    let annotated = fake
        .create_tag("octo", "app", "v2.0.0", &c2, TagKind::annotated("v2.0.0"))
        .expect("tag");
    assert_ne!(annotated, c2, "an annotated tag is its own object");
    // A tag of a tag: peeling must follow both.
    let outer = fake
        .create_tag(
            "octo",
            "app",
            "v2",
            &annotated,
            TagKind::annotated("moving v2"),
        )
        .expect("tag");
    fake.create_tag("octo", "app", "v3.0.0-rc.1", &c3, TagKind::Lightweight);
    fake.add_release("octo", "app", Release::new("v1.0.0"));
    fake.add_release("octo", "app", Release::new("v2.0.0"));
    fake.add_release("octo", "app", Release::new("v3.0.0-rc.1").prerelease());
    fake.add_release("octo", "app", Release::new("v2").draft());

    let latest = send(&gh, "GET", "/repos/octo/app/releases/latest", None).await;
    assert_eq!(
        (latest.status, latest.body["tag_name"].as_str()),
        (200, Some("v2.0.0")),
        "pre-releases and drafts are never latest"
    );

    let light = send(&gh, "GET", "/repos/octo/app/git/ref/tags/v1.0.0", None).await;
    assert_eq!(
        light.body["object"],
        json!({ "type": "commit", "sha": c1, "url": format!("{}/repos/octo/app/git/commits/{c1}", fake.url()) })
    );
    let heavy = send(&gh, "GET", "/repos/octo/app/git/ref/tags/v2.0.0", None).await;
    assert_eq!(heavy.body["object"]["type"], "tag");
    assert_eq!(heavy.body["object"]["sha"], annotated.as_str());
    let object = send(
        &gh,
        "GET",
        &format!("/repos/octo/app/git/tags/{annotated}"),
        None,
    )
    .await;
    assert_eq!(object.status, 200);
    assert_eq!(object.body["tag"], "v2.0.0");
    assert_eq!(object.body["message"], "v2.0.0\n");
    assert_eq!(object.body["object"]["type"], "commit");
    assert_eq!(object.body["object"]["sha"], c2.as_str());
    let nested = send(
        &gh,
        "GET",
        &format!("/repos/octo/app/git/tags/{outer}"),
        None,
    )
    .await;
    assert_eq!(nested.body["object"]["type"], "tag");
    let not_a_tag = send(&gh, "GET", &format!("/repos/octo/app/git/tags/{c1}"), None).await;
    assert_eq!(not_a_tag.status, 404);

    fake.set_max_page_size(3);
    let first = send(&gh, "GET", "/repos/octo/app/tags?per_page=100", None).await;
    let names: Vec<&str> = first
        .body
        .as_array()
        .expect("tags")
        .iter()
        .map(|t| t["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, vec!["v3.0.0-rc.1", "v2.0.0", "v2"]);
    assert!(
        first
            .header("link")
            .is_some_and(|l| l.contains("page=2>; rel=\"next\""))
    );
    // Listed tags carry the peeled commit.
    assert_eq!(first.body[1]["commit"]["sha"], c2.as_str());
    assert_eq!(first.body[2]["commit"]["sha"], c2.as_str());
    let second = send(&gh, "GET", "/repos/octo/app/tags?per_page=100&page=2", None).await;
    assert_eq!(second.body[0]["name"], "v1.0.0");
    assert_eq!(
        second.header("link").map(|l| l.contains("rel=\"next\"")),
        Some(false)
    );

    let missing = send(&gh, "GET", "/repos/octo/gone/releases/latest", None).await;
    assert_eq!(missing.status, 404);
    let unknown_token = send(
        &client(&fake, "ghp_wrong"),
        "GET",
        "/repos/octo/app/tags",
        None,
    )
    .await;
    assert_eq!(unknown_token.status, 401);
    fake.assert_contract_clean();
}

#[tokio::test]
async fn rate_limits_look_like_githubs() {
    let fake = fake().await;
    let gh = client(&fake, TOKEN);
    fake.rate_limit(
        RateLimit::Primary {
            reset_in: Duration::from_secs(600),
        },
        1,
    );
    fake.rate_limit_operation(
        "repos/get",
        RateLimit::TooManyRequests {
            retry_after: Duration::from_secs(30),
        },
        1,
    );
    let primary = send(&gh, "GET", "/repos/octo/app/branches", None).await;
    assert_eq!(
        (primary.status, primary.header("x-ratelimit-remaining")),
        (403, Some("0"))
    );
    let reset: i64 = primary
        .header("x-ratelimit-reset")
        .expect("reset")
        .parse()
        .expect("epoch");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    assert!((595..=605).contains(&(reset - now)), "{}", reset - now);
    assert!(
        primary.body["message"]
            .as_str()
            .expect("message")
            .starts_with("API rate limit exceeded")
    );
    let secondary = send(&gh, "GET", "/repos/octo/app", None).await;
    assert_eq!(
        (secondary.status, secondary.header("retry-after")),
        (429, Some("30"))
    );
    assert_ne!(secondary.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(
        send(&gh, "GET", "/repos/octo/app", None).await.status,
        200,
        "limits are used up"
    );
    fake.assert_contract_clean();
}

#[tokio::test]
async fn actions_secrets_take_sealed_boxes_for_the_configured_key() {
    let fake = fake().await;
    fake.add_organization("octo-org", Organization::new().admin("octo"));
    let gh = client(&fake, TOKEN);
    let rotated = SecretsKey {
        key_id: "42".into(),
        ..SecretsKey::default()
    };
    fake.set_secrets_key(
        &SecretScope::environment("octo", "app", "production"),
        rotated,
    );
    let scopes = [
        (
            "/repos/octo/app/actions/secrets",
            SecretScope::repository("octo", "app"),
            "568250167242549743",
        ),
        (
            "/repos/octo/app/environments/production/secrets",
            SecretScope::environment("octo", "app", "production"),
            "42",
        ),
        (
            "/orgs/octo-org/actions/secrets",
            SecretScope::organization("octo-org"),
            "568250167242549743",
        ),
    ];
    let defaults = SecretsKey::default();
    for (base, scope, key_id) in &scopes {
        let key = send(&gh, "GET", &format!("{base}/public-key"), None).await;
        assert_eq!(key.body["key_id"], *key_id);
        let public = base64::engine::general_purpose::STANDARD
            .decode(key.body["key"].as_str().expect("key"))
            .expect("base64");
        let public: [u8; 32] = public.try_into().expect("32 bytes");
        let sealed = crypto_box::PublicKey::from(public)
            .seal(&mut crypto_box::aead::OsRng, b"s3cr3t")
            .expect("seal");
        let mut body = json!({
            "encrypted_value": base64::engine::general_purpose::STANDARD.encode(&sealed),
            "key_id": key_id,
        });
        if base.starts_with("/orgs") {
            body["visibility"] = json!("selected");
            body["selected_repository_ids"] = json!([1, 2]);
        }
        let put = send(
            &gh,
            "PUT",
            &format!("{base}/db_password"),
            Some(body.clone()),
        )
        .await;
        assert_eq!(put.status, 201, "{}", put.body);
        assert_eq!(
            send(&gh, "PUT", &format!("{base}/DB_PASSWORD"), Some(body))
                .await
                .status,
            204
        );
        let stored = fake.secret(scope, "db_password").expect("stored");
        assert_eq!(&stored.key_id, key_id);
        let ciphertext = base64::engine::general_purpose::STANDARD
            .decode(&stored.encrypted_value)
            .expect("base64");
        // The default key pair is a real X25519 pair: what was sealed to its
        // public half opens with its private half.
        let opened = crypto_box::SecretKey::from(defaults.private_key)
            .unseal(&ciphertext)
            .expect("opens");
        assert_eq!(opened, b"s3cr3t");
        let listed = send(&gh, "GET", base, None).await;
        assert_eq!(listed.body["total_count"], 1);
        assert_eq!(listed.body["secrets"][0]["name"], "DB_PASSWORD");
        let mut stale = json!({ "encrypted_value": base64::engine::general_purpose::STANDARD.encode(&sealed), "key_id": "1" });
        if base.starts_with("/orgs") {
            stale["visibility"] = json!("all");
        }
        let refused = send(&gh, "PUT", &format!("{base}/OTHER"), Some(stale)).await;
        assert_eq!(refused.status, 422, "a key id that is not current");
        assert_eq!(
            send(&gh, "DELETE", &format!("{base}/DB_PASSWORD"), None)
                .await
                .status,
            204
        );
        assert_eq!(
            send(&gh, "GET", &format!("{base}/DB_PASSWORD"), None)
                .await
                .status,
            404
        );
    }
    let missing_env = send(
        &gh,
        "GET",
        "/repos/octo/app/environments/staging/secrets/public-key",
        None,
    )
    .await;
    assert_eq!(missing_env.status, 404);
    fake.assert_contract_clean();
}
