-- Run once by the postgres image on an empty data directory (docker-entrypoint-initdb.d).
-- The source table of DESIGN.md, and the heartbeat table that the Kafka Connect connector's
-- heartbeat.action.query writes (ragstream ingest creates it itself when missing).
CREATE TABLE IF NOT EXISTS public.documents (
  id text PRIMARY KEY,
  title text,
  body text,
  tenant text,
  acl text[],
  updated_at timestamptz DEFAULT now()
);
CREATE TABLE IF NOT EXISTS public.ragstream_heartbeat (
  slot_name text PRIMARY KEY,
  beat_at timestamptz NOT NULL
);
COMMENT ON TABLE public.ragstream_heartbeat IS 'ragstream CDC heartbeat table (created by ragstream)';
