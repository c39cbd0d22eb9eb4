-- +goose Up
-- households.dtks_id is the household's ID in the Data Terpadu Kesejahteraan
-- Sosial (DTKS, formerly BDT), which the SKTM prints and social-aid offices
-- ask for; '' when the village has not recorded it.
ALTER TABLE households ADD COLUMN dtks_id VARCHAR(30) NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE households DROP COLUMN dtks_id;
