-- Version counters for what pages keep in memory: a company's departments and the catalogue.
-- Triggers bump them on every change, whatever code path (or person at a SQL prompt) makes
-- it, so a cached copy is checked with one number read along with the session.

ALTER TABLE companies ADD COLUMN reference_version BIGINT NOT NULL DEFAULT 0;

CREATE TABLE catalogue_version (
    id      BIGINT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO catalogue_version (id, version) VALUES (1, 0);

CREATE FUNCTION departments_bump_reference() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE companies SET reference_version = reference_version + 1 WHERE id = OLD.company_id;
    END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.company_id <> OLD.company_id) THEN
        UPDATE companies SET reference_version = reference_version + 1 WHERE id = NEW.company_id;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER departments_bump AFTER INSERT OR UPDATE OR DELETE ON departments
FOR EACH ROW EXECUTE FUNCTION departments_bump_reference();

CREATE FUNCTION catalogue_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalogue_version SET version = version + 1;
    RETURN NULL;
END;
$$;
CREATE TRIGGER tariffs_bump AFTER INSERT OR UPDATE OR DELETE ON tariffs
FOR EACH STATEMENT EXECUTE FUNCTION catalogue_bump_version();
CREATE TRIGGER services_bump AFTER INSERT OR UPDATE OR DELETE ON services
FOR EACH STATEMENT EXECUTE FUNCTION catalogue_bump_version();
CREATE TRIGGER service_tariffs_bump AFTER INSERT OR UPDATE OR DELETE ON service_tariffs
FOR EACH STATEMENT EXECUTE FUNCTION catalogue_bump_version();
CREATE TRIGGER service_exclusions_bump AFTER INSERT OR UPDATE OR DELETE ON service_exclusions
FOR EACH STATEMENT EXECUTE FUNCTION catalogue_bump_version();
