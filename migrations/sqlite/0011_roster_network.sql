-- The job applying the tariffs and limits an imported roster asks for (changes to the network,
-- started by the admin after the import): one per upload.
ALTER TABLE roster_uploads ADD COLUMN network_job_id INTEGER REFERENCES jobs(id);
