-- The social-welfare fund (社会公益基金): the fund inside its host charity, the committee, yearly
-- plans, filed campaigns, donations with their gap-free receipt numbers, the pots of money per
-- restriction, grants with their committee decisions and the quarterly disclosures. New tables,
-- and one new column on projects (the matching money granted from such funds, 0 for every
-- existing project): nothing existing changes meaning.
CREATE TABLE welfare_funds (
    id INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions(code),
    host_name TEXT NOT NULL,
    host_uscc TEXT NOT NULL,
    host_certificate_no TEXT NOT NULL,
    host_certificate_until DATE NOT NULL,
    purpose TEXT NOT NULL,
    receipt_prefix TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('draft', 'active')),
    -- The last receipt number issued: taken by a conditional row update, so numbers are unique
    -- and, as a rolled-back take is undone, gap-free.
    last_receipt BIGINT NOT NULL DEFAULT 0,
    activated_on DATE,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE welfare_committee_members (
    id INTEGER PRIMARY KEY NOT NULL,
    fund_id BIGINT NOT NULL REFERENCES welfare_funds(id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('donor_rep', 'charity', 'town', 'community', 'enterprise', 'resident', 'supervisor')),
    UNIQUE (fund_id, position)
);

CREATE TABLE welfare_plans (
    fund_id BIGINT NOT NULL REFERENCES welfare_funds(id),
    year INTEGER NOT NULL,
    target BIGINT NOT NULL CHECK (target > 0),
    -- JSON array of channel descriptions (微信公众号, 募捐箱, 网络募捐平台 …).
    channels TEXT NOT NULL,
    note TEXT NOT NULL,
    updated_by BIGINT NOT NULL REFERENCES users(id),
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (fund_id, year)
);

CREATE TABLE welfare_campaigns (
    id INTEGER PRIMARY KEY NOT NULL,
    fund_id BIGINT NOT NULL REFERENCES welfare_funds(id),
    title TEXT NOT NULL,
    filing_no TEXT NOT NULL,
    filed_on DATE NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    target BIGINT NOT NULL CHECK (target > 0),
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    CHECK (ends_on >= starts_on),
    UNIQUE (fund_id, filing_no)
);

CREATE TABLE welfare_donations (
    id INTEGER PRIMARY KEY NOT NULL,
    fund_id BIGINT NOT NULL REFERENCES welfare_funds(id),
    seq BIGINT NOT NULL,
    receipt_no TEXT NOT NULL UNIQUE,
    campaign_id BIGINT REFERENCES welfare_campaigns(id),
    donor_name TEXT NOT NULL,
    donor_kind TEXT NOT NULL CHECK (donor_kind IN ('person', 'organisation')),
    anonymous BOOLEAN NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    received_on DATE NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('cash', 'transfer', 'online', 'in_kind', 'other')),
    -- In-kind gifts: what was given and how it was valued (the amount is the valuation).
    in_kind_items TEXT,
    valuation_basis TEXT,
    -- The purpose a restricted gift may only be spent on; '' for unrestricted money.
    restricted_to TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (fund_id, seq)
);
CREATE INDEX welfare_donations_fund ON welfare_donations(fund_id, received_on);

-- Money in and out per fund and restriction. A grant takes its amount with one conditional
-- update (granted + amount <= received), so concurrent grants can never overdraw a pot.
CREATE TABLE welfare_pots (
    fund_id BIGINT NOT NULL REFERENCES welfare_funds(id),
    restriction TEXT NOT NULL,
    received BIGINT NOT NULL CHECK (received >= 0),
    granted BIGINT NOT NULL CHECK (granted >= 0),
    PRIMARY KEY (fund_id, restriction),
    CHECK (granted <= received)
);

CREATE TABLE welfare_grants (
    id INTEGER PRIMARY KEY NOT NULL,
    fund_id BIGINT NOT NULL REFERENCES welfare_funds(id),
    target TEXT NOT NULL CHECK (target IN ('project', 'store', 'aid')),
    project_id BIGINT REFERENCES projects(id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    restriction TEXT NOT NULL,
    purpose TEXT NOT NULL,
    minutes_ref TEXT NOT NULL,
    decided_on DATE NOT NULL,
    votes_for INTEGER,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    CHECK ((target = 'project') = (project_id IS NOT NULL))
);
CREATE INDEX welfare_grants_fund ON welfare_grants(fund_id, decided_on);

CREATE TABLE welfare_disclosures (
    id INTEGER PRIMARY KEY NOT NULL,
    fund_id BIGINT NOT NULL REFERENCES welfare_funds(id),
    period_from DATE NOT NULL,
    period_to DATE NOT NULL,
    received BIGINT NOT NULL,
    granted BIGINT NOT NULL,
    balance BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    published_by BIGINT NOT NULL REFERENCES users(id),
    published_at TIMESTAMP NOT NULL
);
CREATE INDEX welfare_disclosures_fund ON welfare_disclosures(fund_id, period_to);

-- What welfare funds granted a project as matching money (配套资金), beside the bid's own.
ALTER TABLE projects ADD COLUMN welfare_matching BIGINT NOT NULL DEFAULT 0;
