"""scimdir: SCIM 2.0 directories that identity providers provision users and groups into."""
