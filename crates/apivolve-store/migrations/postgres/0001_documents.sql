-- The document table: one row per key, the JSON as text (key order kept), the version of this
-- state. Keys compare byte-wise ("C" collation), so prefix ranges and cursors follow code points.
CREATE TABLE apivolve_documents (
    key TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    value TEXT NOT NULL,
    version BIGINT NOT NULL
);

-- The store-wide version counter: every written state gets a version above all earlier ones.
CREATE SEQUENCE apivolve_document_version AS BIGINT;
