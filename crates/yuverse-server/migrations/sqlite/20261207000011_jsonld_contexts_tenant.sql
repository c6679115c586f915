-- Hosted and implicitly created @contexts belong to the tenant that made them (NULL: the
-- default tenant, for contexts stored before tenants were recorded).
ALTER TABLE twin_jsonld_contexts ADD COLUMN tenant TEXT;
