//! Wards and districts (区・地区). Data, not code: the server's configuration carries them in the
//! directory; Sagamihara's are the default and the demo (DESIGN §3).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Area {
    pub ward: String,
    pub districts: Vec<String>,
}

/// Sagamihara City's three wards and 22 districts.
pub fn sagamihara_areas() -> Vec<Area> {
    let table: [(&str, &[&str]); 3] = [
        (
            "緑区",
            &["橋本", "大沢", "城山", "津久井", "相模湖", "藤野"],
        ),
        (
            "中央区",
            &[
                "小山",
                "清新",
                "横山",
                "中央",
                "星が丘",
                "光が丘",
                "大野北",
                "田名",
                "上溝",
            ],
        ),
        (
            "南区",
            &[
                "大野中",
                "大野南",
                "麻溝",
                "新磯",
                "相模台",
                "相武台",
                "東林",
            ],
        ),
    ];
    table
        .iter()
        .map(|(ward, districts)| Area {
            ward: ward.to_string(),
            districts: districts.iter().map(|d| d.to_string()).collect(),
        })
        .collect()
}

/// The ward a district belongs to, if the areas know it.
pub fn ward_of<'a>(areas: &'a [Area], district: &str) -> Option<&'a str> {
    areas
        .iter()
        .find(|a| a.districts.iter().any(|d| d == district))
        .map(|a| a.ward.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sagamihara_has_22_districts() {
        let areas = sagamihara_areas();
        assert_eq!(areas.iter().map(|a| a.districts.len()).sum::<usize>(), 22);
        assert_eq!(ward_of(&areas, "上溝"), Some("中央区"));
        assert_eq!(ward_of(&areas, "東林"), Some("南区"));
        assert_eq!(ward_of(&areas, "渋谷"), None);
    }
}
