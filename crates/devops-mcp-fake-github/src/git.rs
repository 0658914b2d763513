//! A repository's git object store: blobs, trees, commits and annotated
//! tags with real git object ids (SHA-1 over git's object encoding), so a client that compares
//! ids with `git hash-object` or with what GitHub returned sees the same.

use std::collections::{BTreeMap, HashMap};

use sha1::{Digest, Sha1};

/// Git file modes as the REST API spells them.
pub(crate) const MODE_FILE: &str = "100644";
pub(crate) const MODE_TREE: &str = "040000";

/// What kind of object a tree entry points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Blob,
    Tree,
    Commit,
}

impl Kind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::Blob => "blob",
            Kind::Tree => "tree",
            Kind::Commit => "commit",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct TreeEntry {
    pub name: String,
    pub mode: String,
    pub kind: Kind,
    pub sha: String,
}

/// A commit author or committer.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub name: String,
    pub email: String,
    /// Seconds since the epoch, UTC.
    pub time: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct Commit {
    pub tree: String,
    pub parents: Vec<String>,
    pub message: String,
    pub author: Person,
    pub committer: Person,
}

/// An annotated tag object: a named, signed-off pointer at another object.
#[derive(Debug, Clone)]
pub(crate) struct Tag {
    /// The object tagged (usually a commit, sometimes another tag).
    pub object: String,
    /// Its type: `commit`, `tree`, `blob` or `tag`.
    pub object_type: &'static str,
    pub tag: String,
    pub message: String,
    pub tagger: Person,
}

#[derive(Debug, Clone)]
pub(crate) enum Object {
    Blob(Vec<u8>),
    Tree(Vec<TreeEntry>),
    Commit(Commit),
    Tag(Tag),
}

impl Object {
    /// The type name git and the REST API use.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Object::Blob(_) => "blob",
            Object::Tree(_) => "tree",
            Object::Commit(_) => "commit",
            Object::Tag(_) => "tag",
        }
    }
}

/// A flattened tree: path to (mode, kind, sha) for every non-tree entry.
pub(crate) type Flat = BTreeMap<String, (String, Kind, String)>;

#[derive(Debug, Default)]
pub(crate) struct Store {
    objects: HashMap<String, Object>,
}

impl Store {
    pub(crate) fn get(&self, sha: &str) -> Option<&Object> {
        self.objects.get(sha)
    }

    pub(crate) fn blob(&self, sha: &str) -> Option<&[u8]> {
        match self.objects.get(sha) {
            Some(Object::Blob(content)) => Some(content),
            _ => None,
        }
    }

    pub(crate) fn tree(&self, sha: &str) -> Option<&[TreeEntry]> {
        match self.objects.get(sha) {
            Some(Object::Tree(entries)) => Some(entries),
            _ => None,
        }
    }

    pub(crate) fn commit(&self, sha: &str) -> Option<&Commit> {
        match self.objects.get(sha) {
            Some(Object::Commit(commit)) => Some(commit),
            _ => None,
        }
    }

    pub(crate) fn put_blob(&mut self, content: Vec<u8>) -> String {
        let sha = hash("blob", &content);
        self.objects.insert(sha.clone(), Object::Blob(content));
        sha
    }

    pub(crate) fn put_tree(&mut self, mut entries: Vec<TreeEntry>) -> String {
        // git orders entries by name, comparing a tree's name as if it ended in `/`.
        entries.sort_by_key(sort_key);
        let mut body = Vec::new();
        for entry in &entries {
            // git writes tree modes without the leading zero the API shows.
            body.extend_from_slice(entry.mode.trim_start_matches('0').as_bytes());
            body.push(b' ');
            body.extend_from_slice(entry.name.as_bytes());
            body.push(0);
            body.extend_from_slice(&hex_to_bytes(&entry.sha));
        }
        let sha = hash("tree", &body);
        self.objects.insert(sha.clone(), Object::Tree(entries));
        sha
    }

    pub(crate) fn put_commit(&mut self, commit: Commit) -> String {
        let mut body = format!("tree {}\n", commit.tree);
        for parent in &commit.parents {
            body.push_str(&format!("parent {parent}\n"));
        }
        for (role, person) in [("author", &commit.author), ("committer", &commit.committer)] {
            body.push_str(&format!(
                "{role} {} <{}> {} +0000\n",
                person.name, person.email, person.time
            ));
        }
        body.push('\n');
        body.push_str(&commit.message);
        let sha = hash("commit", body.as_bytes());
        self.objects.insert(sha.clone(), Object::Commit(commit));
        sha
    }

    pub(crate) fn tag(&self, sha: &str) -> Option<&Tag> {
        match self.objects.get(sha) {
            Some(Object::Tag(tag)) => Some(tag),
            _ => None,
        }
    }

    /// Write an annotated tag object (`git mktag` encoding).
    pub(crate) fn put_tag(&mut self, tag: Tag) -> String {
        let body = format!(
            "object {}\ntype {}\ntag {}\ntagger {} <{}> {} +0000\n\n{}",
            tag.object,
            tag.object_type,
            tag.tag,
            tag.tagger.name,
            tag.tagger.email,
            tag.tagger.time,
            tag.message
        );
        let sha = hash("tag", body.as_bytes());
        self.objects.insert(sha.clone(), Object::Tag(tag));
        sha
    }

    /// The commit a ref target finally points at, following tag objects.
    pub(crate) fn peel(&self, sha: &str) -> Option<String> {
        let mut current = sha.to_owned();
        // Tags of tags are legal; a cycle is not possible with real ids, but
        // the bound keeps a corrupted store from looping.
        for _ in 0..16 {
            match self.objects.get(&current)? {
                Object::Commit(_) => return Some(current),
                Object::Tag(tag) => current = tag.object.clone(),
                _ => return None,
            }
        }
        None
    }

    /// Every non-tree entry under `tree`, by full path.
    pub(crate) fn flatten(&self, tree: &str) -> Option<Flat> {
        let mut flat = Flat::new();
        self.flatten_into(tree, "", &mut flat)?;
        Some(flat)
    }

    fn flatten_into(&self, tree: &str, prefix: &str, flat: &mut Flat) -> Option<()> {
        for entry in self.tree(tree)? {
            let path = format!("{prefix}{}", entry.name);
            if entry.kind == Kind::Tree {
                self.flatten_into(&entry.sha, &format!("{path}/"), flat)?;
            } else {
                flat.insert(path, (entry.mode.clone(), entry.kind, entry.sha.clone()));
            }
        }
        Some(())
    }

    /// Write the trees for a flattened listing; returns the root tree id.
    pub(crate) fn build(&mut self, flat: &Flat) -> String {
        let mut files = Vec::new();
        let mut dirs: BTreeMap<&str, Flat> = BTreeMap::new();
        for (path, entry) in flat {
            match path.split_once('/') {
                Some((dir, rest)) => {
                    dirs.entry(dir)
                        .or_default()
                        .insert(rest.to_owned(), entry.clone());
                }
                None => files.push(TreeEntry {
                    name: path.clone(),
                    mode: entry.0.clone(),
                    kind: entry.1,
                    sha: entry.2.clone(),
                }),
            }
        }
        for (dir, inner) in dirs {
            let sha = self.build(&inner);
            files.push(TreeEntry {
                name: dir.to_owned(),
                mode: MODE_TREE.to_owned(),
                kind: Kind::Tree,
                sha,
            });
        }
        self.put_tree(files)
    }

    /// Every entry (trees included) under `tree`, paths relative to it, in
    /// the order `git ls-tree -r -t` lists them.
    pub(crate) fn walk(&self, tree: &str, prefix: &str, out: &mut Vec<(String, TreeEntry)>) {
        let Some(entries) = self.tree(tree) else {
            return;
        };
        for entry in entries {
            let path = format!("{prefix}{}", entry.name);
            out.push((path.clone(), entry.clone()));
            if entry.kind == Kind::Tree {
                self.walk(&entry.sha, &format!("{path}/"), out);
            }
        }
    }

    /// Whether `ancestor` is reachable from `commit` (or is it).
    pub(crate) fn is_ancestor(&self, ancestor: &str, commit: &str) -> bool {
        let mut pending = vec![commit.to_owned()];
        let mut seen = std::collections::HashSet::new();
        while let Some(sha) = pending.pop() {
            if sha == ancestor {
                return true;
            }
            if !seen.insert(sha.clone()) {
                continue;
            }
            if let Some(found) = self.commit(&sha) {
                pending.extend(found.parents.iter().cloned());
            }
        }
        false
    }
}

fn sort_key(entry: &TreeEntry) -> Vec<u8> {
    let mut key = entry.name.as_bytes().to_vec();
    if entry.kind == Kind::Tree {
        key.push(b'/');
    }
    key
}

fn hash(kind: &str, body: &[u8]) -> String {
    let mut hasher = Sha1::new();
    hasher.update(format!("{kind} {}\0", body.len()).as_bytes());
    hasher.update(body);
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn hex_to_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

/// Whether `text` looks like a full object id.
pub(crate) fn is_sha(text: &str) -> bool {
    text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_ids_match_git() {
        let mut store = Store::default();
        // `printf 'hello\n' | git hash-object --stdin`
        let blob = store.put_blob(b"hello\n".to_vec());
        assert_eq!(blob, "ce013625030ba8dba906f756967f9e9ca394464a");
        // `git write-tree` of an index holding only `hello.txt` with that blob.
        let mut flat = Flat::new();
        flat.insert("hello.txt".into(), (MODE_FILE.into(), Kind::Blob, blob));
        let tree = store.build(&flat);
        assert_eq!(tree, "aaa96ced2d9a1c8e72c56b253a0e2fe78393feb7");
        // The empty tree every git knows.
        assert_eq!(
            store.build(&Flat::new()),
            "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
        );
    }

    #[test]
    fn tag_object_ids_match_git() {
        let mut store = Store::default();
        let tagger = Person {
            name: "octo".into(),
            email: "octo@example.com".into(),
            time: 1_700_000_000,
        };
        let tree = store.build(&Flat::new());
        let commit = store.put_commit(Commit {
            tree,
            parents: Vec::new(),
            message: "init\n".into(),
            author: tagger.clone(),
            committer: tagger.clone(),
        });
        // GIT_AUTHOR_DATE/GIT_COMMITTER_DATE='1700000000 +0000'
        // git commit-tree 4b825dc... -m init  (name octo, email octo@example.com)
        assert_eq!(commit, "19eedb8a5f40a61762e4d2b299e8e56fbb9156cd");
        let tag = store.put_tag(Tag {
            object: commit.clone(),
            object_type: "commit",
            tag: "v1.0.0".into(),
            message: "Release v1.0.0\n".into(),
            tagger,
        });
        // GIT_COMMITTER_DATE='1700000000 +0000' git tag -a v1.0.0 -m 'Release v1.0.0' <commit>
        // git rev-parse v1.0.0
        assert_eq!(tag, "f9d6c924e72f431d35c7669bfa21e9e8ea068507");
        assert_eq!(store.peel(&tag), Some(commit));
    }
}
