-- Sibling departments' names and a company's personnel numbers are unique, backed by indexes
-- on the same folded keys the forms check (ё as е, any case). The keys are the application's
-- folding of Russian letters, so the application fills them (`store::keys`) for rows stored
-- before; a row whose key another row already holds is left without one and reported, by
-- company and name, instead of failing the upgrade.
ALTER TABLE departments ADD COLUMN name_key TEXT;
CREATE UNIQUE INDEX departments_sibling_name
    ON departments (company_id, COALESCE(parent_id, 0), name_key);
ALTER TABLE employees ADD COLUMN personnel_key TEXT;
CREATE UNIQUE INDEX employees_personnel_key ON employees (company_id, personnel_key);
