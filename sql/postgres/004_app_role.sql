-- What the application may do, as a group role the stack grants to its login role
-- (synter_user): connect, read and write rows of the auth schema, use its sequences.
-- Nothing else: no DDL, no other schema, no roles. Tables added by later migrations are
-- covered by the default privileges below.
DO $$
BEGIN
  CREATE ROLE synter_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
EXCEPTION
  -- Roles are cluster-wide: another database of the same server may have made it already.
  WHEN duplicate_object OR unique_violation THEN NULL;
END;
$$;

DO $$
BEGIN
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO synter_app', current_database());
END;
$$;

GRANT USAGE ON SCHEMA auth TO synter_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA auth TO synter_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA auth TO synter_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA auth GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO synter_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA auth GRANT USAGE, SELECT ON SEQUENCES TO synter_app;

-- The public schema is not the application's: no objects of its own there.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
