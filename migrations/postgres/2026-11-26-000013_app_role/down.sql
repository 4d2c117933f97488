DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gongyi_app') THEN
        ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM gongyi_app;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM gongyi_app;
        REVOKE ALL ON ALL TABLES IN SCHEMA public FROM gongyi_app;
        REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM gongyi_app;
        REVOKE USAGE ON SCHEMA public FROM gongyi_app;
        EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM gongyi_app', current_database());
    END IF;
END
$$;
