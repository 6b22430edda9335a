-- The document table: one row per key, the JSON as text, the version of this state.
CREATE TABLE apivolve_documents (
    key TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL,
    version INTEGER NOT NULL
) WITHOUT ROWID;

-- The store-wide version counter: every written state gets a version above all earlier ones.
CREATE TABLE apivolve_store_meta (
    name TEXT NOT NULL PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO apivolve_store_meta (name, value) VALUES ('last_version', 0);
