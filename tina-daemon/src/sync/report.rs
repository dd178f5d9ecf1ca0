//! What one sync pass did, counted for logs and `--once`.

/// What one pass did, for logs and `--once`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    pub files: usize,
    pub events_recorded: usize,
    pub duplicates: usize,
    pub unchanged: usize,
    pub members_upserted: usize,
    pub malformed: usize,
    /// Files not read: not regular files, outside `$CLAUDE_HOME`, or too large.
    pub refused: usize,
}

impl std::ops::AddAssign for Report {
    fn add_assign(&mut self, o: Self) {
        self.files += o.files;
        self.events_recorded += o.events_recorded;
        self.duplicates += o.duplicates;
        self.unchanged += o.unchanged;
        self.members_upserted += o.members_upserted;
        self.malformed += o.malformed;
        self.refused += o.refused;
    }
}
