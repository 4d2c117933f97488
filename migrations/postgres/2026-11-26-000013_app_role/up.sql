-- The server runs as `gongyi_app` (SET ROLE on every pooled connection): it may read and write
-- every table but cannot UPDATE, DELETE or TRUNCATE the audit log; only the owner, who runs the
-- migrations, can. The role is cluster-wide and created once; an owner without CREATEROLE leaves
-- it to the DBA (the server then warns at start-up and runs as the owner).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gongyi_app') THEN
        CREATE ROLE gongyi_app NOLOGIN;
    END IF;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL; -- another database's migration won the race
    WHEN insufficient_privilege THEN RAISE NOTICE 'cannot create role gongyi_app: %', SQLERRM;
END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gongyi_app') THEN
        BEGIN
            EXECUTE format('GRANT gongyi_app TO %I', current_user);
        EXCEPTION WHEN insufficient_privilege OR invalid_grant_operation THEN
            RAISE NOTICE 'cannot grant gongyi_app to %: %', current_user, SQLERRM;
        END;
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO gongyi_app', current_database());
        GRANT USAGE ON SCHEMA public TO gongyi_app;
        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO gongyi_app;
        GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO gongyi_app;
        REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM gongyi_app;
        -- Migrations are not the application's business.
        REVOKE ALL ON __diesel_schema_migrations FROM gongyi_app;
        GRANT SELECT ON __diesel_schema_migrations TO gongyi_app;
        -- Tables added by later migrations are granted the same way, by the owner who creates them.
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO gongyi_app;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO gongyi_app;
    END IF;
END
$$;
