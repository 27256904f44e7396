// Package tenantdata is the tenant's data as a whole: the export an owner downloads (every row of
// every tenant table and every uploaded file, secrets left out) and the verifiable deletion of a
// deleted tenant (the purge of its rows and files, and the check that none are left). Both walk
// the tenant tables the system catalog lists (postgres.TenantTables), never a hand-kept list, and
// the tenant's prefix of the file store (blob.TenantPrefix). See docs/access.md, "Exporting a
// tenant" and "Deleting a tenant".
package tenantdata
