//! Rules of the organization-level endpoints: keys, members, invitations, activities, usage cost.
