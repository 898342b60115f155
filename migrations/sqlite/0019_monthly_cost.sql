-- What a month of a line costs at list price is kept with the line, so the lines table sorts
-- and sums by it: its services' monthly fees, and the month's total by its status (an active
-- line pays its tariff and services, a suspended or blocked one its tariff's suspension fee, a
-- terminated one nothing; `domain::pricing`). Every writer of a line's tariff, services or
-- status works them out again in its own transaction (`store::lines::reprice`).
ALTER TABLE tariffs ADD COLUMN suspended_fee_kop INTEGER NOT NULL DEFAULT 0 CHECK (suspended_fee_kop >= 0);
ALTER TABLE lines ADD COLUMN services_kop INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lines ADD COLUMN monthly_kop INTEGER NOT NULL DEFAULT 0;

UPDATE lines SET services_kop = COALESCE((SELECT SUM(s.monthly_fee_kop) FROM line_services ls
                                          JOIN services s ON s.id = ls.service_id
                                          WHERE ls.line_id = lines.id), 0);
UPDATE lines SET monthly_kop = CASE status
    WHEN 'active' THEN (SELECT t.monthly_fee_kop FROM tariffs t WHERE t.id = lines.tariff_id) + services_kop
    WHEN 'terminated' THEN 0
    ELSE (SELECT t.suspended_fee_kop FROM tariffs t WHERE t.id = lines.tariff_id)
END;

CREATE INDEX lines_company_monthly ON lines (company_id, monthly_kop);
CREATE INDEX lines_company_limit ON lines (company_id, spend_limit_kop);
