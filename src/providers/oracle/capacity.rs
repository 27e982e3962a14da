//! The rack catalogue of spec §8: `PickRackSize` normalisation, compute nodes per rack
//! size, per-node and rack capacity by model, and the preset cluster shapes of ECRA.
//!
//! Pure tables and arithmetic; no state. Every number here is I/O (inferred or observed in
//! unofficial ECRA material, spec §0 S8): the seed gives only the rack labels and the rule
//! that cores and memory are multiples of `numComputes`.

use serde::{Deserialize, Serialize};

/// Rack size (§8.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RackSize {
    Eighth,
    Quarter,
    Half,
    Full,
}

/// Exadata model (§8.2). X7-2 is the default of an entitlement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Model {
    #[serde(rename = "X6-2")]
    X6_2,
    #[serde(rename = "X7-2")]
    X7_2,
}

impl RackSize {
    pub const ALL: [RackSize; 4] = [RackSize::Eighth, RackSize::Quarter, RackSize::Half, RackSize::Full];

    pub fn as_str(self) -> &'static str {
        match self {
            RackSize::Eighth => "EIGHTH",
            RackSize::Quarter => "QUARTER",
            RackSize::Half => "HALF",
            RackSize::Full => "FULL",
        }
    }

    /// ECRA's query parameter (`racksize=QUARTER`), case-insensitive.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// Compute nodes (database servers) of the rack (§8.1; QUARTER/HALF/FULL are O).
    pub fn num_computes(self) -> u64 {
        match self {
            RackSize::Eighth | RackSize::Quarter => 2,
            RackSize::Half => 4,
            RackSize::Full => 8,
        }
    }

    /// Storage servers of the rack (§8.1, I).
    pub fn num_cells(self) -> u64 {
        match self {
            RackSize::Eighth | RackSize::Quarter => 3,
            RackSize::Half => 7,
            RackSize::Full => 14,
        }
    }
}

impl Model {
    pub const ALL: [Model; 2] = [Model::X6_2, Model::X7_2];

    pub fn as_str(self) -> &'static str {
        match self {
            Model::X6_2 => "X6-2",
            Model::X7_2 => "X7-2",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// Capacity of one model and rack size (§8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Capacity {
    pub num_computes: u64,
    pub min_cores_per_node: u64,
    pub max_cores_per_node: u64,
    pub mem_gb_per_node: u64,
    /// Usable ASM storage of the whole rack.
    pub storage_tb: u64,
}

impl Capacity {
    /// `BaseNumOfCores = minCoresPerNode × numComputes` (§8.2).
    pub fn base_cores(&self) -> u64 {
        self.min_cores_per_node * self.num_computes
    }

    /// Memory of the whole rack.
    pub fn memory_gb(&self) -> u64 {
        self.mem_gb_per_node * self.num_computes
    }

    /// Most cores the rack can hold.
    pub fn max_cores(&self) -> u64 {
        self.max_cores_per_node * self.num_computes
    }
}

/// The §8.2 table (O: S8 `db/seed_tables.sql`, environment `ociexacc`).
pub fn capacity(model: Model, rack: RackSize) -> Capacity {
    let (min, max, mem, storage) = match (model, rack) {
        (Model::X7_2, RackSize::Eighth) => (8, 22, 240, 42),
        (Model::X7_2, RackSize::Quarter) => (11, 46, 720, 106),
        (Model::X7_2, RackSize::Half) => (11, 46, 720, 213),
        (Model::X7_2, RackSize::Full) => (11, 46, 720, 427),
        (Model::X6_2, RackSize::Eighth) => (8, 34, 240, 42),
        (Model::X6_2, RackSize::Quarter) => (11, 42, 720, 84),
        (Model::X6_2, RackSize::Half) => (11, 42, 720, 168),
        (Model::X6_2, RackSize::Full) => (11, 42, 720, 336),
    };
    Capacity {
        num_computes: rack.num_computes(),
        min_cores_per_node: min,
        max_cores_per_node: max,
        mem_gb_per_node: mem,
        storage_tb: storage,
    }
}

/// `PickRackSize` label → rack size (§8.1): lower-case, collapse whitespace, strip model
/// and commercial suffixes ("Quarter Rack X7 BYOL", "Quarter Rack - Commit"), then map.
pub fn normalise_rack_label(label: &str) -> Option<RackSize> {
    let mut s = label.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_lowercase();
    const SUFFIXES: &[&str] = &[
        " - infrastructure - commit",
        " - commit",
        " byol",
        " infrastructure",
        " x5-2",
        " x6-2",
        " x7-2",
        " x8-2",
        " x5",
        " x6",
        " x7",
        " x8",
    ];
    // Suffixes combine ("... X7 BYOL"), so strip until nothing changes.
    loop {
        let before = s.len();
        for suffix in SUFFIXES {
            if let Some(rest) = s.strip_suffix(suffix) {
                s = rest.trim_end().to_owned();
            }
        }
        if s.len() == before {
            break;
        }
    }
    match s.as_str() {
        "eighth rack" | "1/8 rack" | "base system" => Some(RackSize::Eighth),
        "quarter rack" => Some(RackSize::Quarter),
        "half rack" => Some(RackSize::Half),
        "full rack" => Some(RackSize::Full),
        _ => None,
    }
}

/// A preset cluster shape (§8.3, O: `ecs_cluster_shapes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub name: &'static str,
    pub cores_per_node: u64,
    pub mem_gb_per_node: u64,
    pub storage_tb: u64,
    pub oh_gb: u64,
}

/// SMALL, MEDIUM, LARGE and WHOLE (the whole rack) for a capacity.
pub fn shapes(cap: &Capacity) -> [Shape; 4] {
    [
        Shape { name: "SMALL", cores_per_node: 4, mem_gb_per_node: 30, storage_tb: 3, oh_gb: 60 },
        Shape { name: "MEDIUM", cores_per_node: 8, mem_gb_per_node: 60, storage_tb: 8, oh_gb: 60 },
        Shape { name: "LARGE", cores_per_node: 16, mem_gb_per_node: 120, storage_tb: 20, oh_gb: 60 },
        Shape {
            name: "WHOLE",
            cores_per_node: cap.min_cores_per_node,
            mem_gb_per_node: cap.mem_gb_per_node,
            storage_tb: cap.storage_tb,
            oh_gb: 60,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rack_labels_normalise() {
        assert_eq!(normalise_rack_label("Quarter Rack"), Some(RackSize::Quarter));
        assert_eq!(normalise_rack_label("  quarter   RACK "), Some(RackSize::Quarter));
        assert_eq!(normalise_rack_label("Quarter Rack X7 BYOL"), Some(RackSize::Quarter));
        assert_eq!(normalise_rack_label("Quarter Rack - Commit"), Some(RackSize::Quarter));
        assert_eq!(normalise_rack_label("Half Rack X6-2 - Infrastructure - Commit"), Some(RackSize::Half));
        assert_eq!(normalise_rack_label("1/8 Rack"), Some(RackSize::Eighth));
        assert_eq!(normalise_rack_label("Base System"), Some(RackSize::Eighth));
        assert_eq!(normalise_rack_label("Full Rack"), Some(RackSize::Full));
        assert_eq!(normalise_rack_label("Third Rack"), None);
        assert_eq!(normalise_rack_label(""), None);
    }

    #[test]
    fn derived_capacity_matches_the_spec_examples() {
        let c = capacity(Model::X7_2, RackSize::Quarter);
        assert_eq!(c.base_cores(), 22);
        assert_eq!(c.memory_gb(), 1440);
        assert_eq!(c.storage_tb, 106);
        assert_eq!(c.max_cores(), 92);
        assert_eq!(capacity(Model::X6_2, RackSize::Full).num_computes, 8);
    }
}
