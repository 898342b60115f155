-- Version counters for what pages keep in memory: a company's departments and the catalogue.
-- Triggers bump them on every change, whatever code path (or person at a SQL prompt) makes
-- it, so a cached copy is checked with one number read along with the session.

ALTER TABLE companies ADD COLUMN reference_version INTEGER NOT NULL DEFAULT 0;

CREATE TABLE catalogue_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO catalogue_version (id, version) VALUES (1, 0);

CREATE TRIGGER departments_bump_insert AFTER INSERT ON departments BEGIN
    UPDATE companies SET reference_version = reference_version + 1 WHERE id = NEW.company_id;
END;
CREATE TRIGGER departments_bump_update AFTER UPDATE ON departments BEGIN
    UPDATE companies SET reference_version = reference_version + 1
    WHERE id IN (OLD.company_id, NEW.company_id);
END;
CREATE TRIGGER departments_bump_delete AFTER DELETE ON departments BEGIN
    UPDATE companies SET reference_version = reference_version + 1 WHERE id = OLD.company_id;
END;

CREATE TRIGGER tariffs_bump_insert AFTER INSERT ON tariffs BEGIN
    UPDATE catalogue_version SET version = version + 1;
END;
CREATE TRIGGER tariffs_bump_update AFTER UPDATE ON tariffs BEGIN
    UPDATE catalogue_version SET version = version + 1;
END;
CREATE TRIGGER tariffs_bump_delete AFTER DELETE ON tariffs BEGIN
    UPDATE catalogue_version SET version = version + 1;
END;
CREATE TRIGGER services_bump_insert AFTER INSERT ON services BEGIN
    UPDATE catalogue_version SET version = version + 1;
END;
CREATE TRIGGER services_bump_update AFTER UPDATE ON services BEGIN
    UPDATE catalogue_version SET version = version + 1;
END;
CREATE TRIGGER services_bump_delete AFTER DELETE ON services BEGIN
    UPDATE catalogue_version SET version = version + 1;
END;
CREATE TRIGGER service_tariffs_bump_insert AFTER INSERT ON service_tariffs BEGIN
    UPDATE catalogue_version SET version = version + 1;
END;
CREATE TRIGGER service_tariffs_bump_delete AFTER DELETE ON service_tariffs BEGIN
    UPDATE catalogue_version SET version = version + 1;
END;
CREATE TRIGGER service_exclusions_bump_insert AFTER INSERT ON service_exclusions BEGIN
    UPDATE catalogue_version SET version = version + 1;
END;
CREATE TRIGGER service_exclusions_bump_delete AFTER DELETE ON service_exclusions BEGIN
    UPDATE catalogue_version SET version = version + 1;
END;
