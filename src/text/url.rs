//! Links: resolve relative URLs and drop tracking parameters.

use url::Url;

/// Query parameters that only track readers; removed from every link.
fn is_tracking_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("utm_")
        || matches!(
            n.as_str(),
            "fbclid"
                | "gclid"
                | "dclid"
                | "gclsrc"
                | "msclkid"
                | "yclid"
                | "igshid"
                | "ocid"
                | "mc_cid"
                | "mc_eid"
                | "_ga"
                | "_gl"
                | "mkt_tok"
                | "twclid"
                | "wt.mc_id"
                | "cmpid"
                | "at_medium"
                | "at_campaign"
                | "xtor"
        )
}

/// Resolves `href` against `base` (when relative) and removes tracking parameters.
/// Returns `None` for values that are not URLs at all (and cannot be resolved).
pub fn resolve(base: Option<&Url>, href: &str) -> Option<Url> {
    let href = href.trim();
    let mut url = match Url::parse(href) {
        Ok(u) => u,
        Err(url::ParseError::RelativeUrlWithoutBase) => base?.join(href).ok()?,
        Err(_) => return None,
    };
    strip_tracking(&mut url);
    Some(url)
}

/// Removes tracking parameters in place; drops an empty `?`.
pub fn strip_tracking(url: &mut Url) {
    if url.query().is_none() {
        return;
    }
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !is_tracking_param(k))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else if kept.len() != url.query_pairs().count() {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
}

/// The form used to recognise the same article across sources: tracking parameters and
/// fragment removed, `http` and `https` treated alike, a trailing slash ignored, `www.`
/// ignored.
pub fn canonical(url: &Url) -> String {
    let mut u = url.clone();
    strip_tracking(&mut u);
    u.set_fragment(None);
    let host = u
        .host_str()
        .unwrap_or("")
        .trim_start_matches("www.")
        .to_string();
    let path = u.path().trim_end_matches('/');
    let query = u.query().map(|q| format!("?{q}")).unwrap_or_default();
    format!("{host}{path}{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_parameters_are_dropped_and_others_kept() {
        let u = resolve(
            None,
            "https://ex.com/a?id=5&utm_source=x&fbclid=1&UTM_Medium=y",
        )
        .unwrap();
        assert_eq!(u.as_str(), "https://ex.com/a?id=5");
        let u = resolve(None, "https://ex.com/a?utm_source=x&gclid=2&ocid=3").unwrap();
        assert_eq!(u.as_str(), "https://ex.com/a");
    }

    #[test]
    fn relative_links_resolve_against_the_base() {
        let base = Url::parse("https://alwasat.ly/news/libya/1").unwrap();
        assert_eq!(
            resolve(Some(&base), "/img/a.jpg").unwrap().as_str(),
            "https://alwasat.ly/img/a.jpg"
        );
        assert_eq!(
            resolve(Some(&base), "2").unwrap().as_str(),
            "https://alwasat.ly/news/libya/2"
        );
        assert!(resolve(None, "/img/a.jpg").is_none());
    }

    #[test]
    fn canonical_form_ignores_scheme_www_slash_and_fragment() {
        let a = Url::parse("https://www.ex.com/story/1/?utm_source=rss#top").unwrap();
        let b = Url::parse("http://ex.com/story/1").unwrap();
        assert_eq!(canonical(&a), canonical(&b));
        assert_eq!(canonical(&a), "ex.com/story/1");
    }
}
