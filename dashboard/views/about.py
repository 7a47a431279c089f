"""About the data: what each figure means, the demo's synthetic nature, and the sources."""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import t

st.header(t("About the data"), anchor=False)
st.markdown(t("""
**Principal applications** are those of the H-1B holders themselves. Only the applicant roles the
program lists count toward its cap; for the 2023 intake, principal applicants only.

**Counted toward the cap**: every principal application submitted from the opening, whatever its later
status (approved, refused or withdrawn). The cap is reached at the submission time of the cap-th one.

**Over cap**: principal applications submitted after the cap was reached. They are shown, never counted;
remaining places never go below zero.

**Family applications**: spouses and dependants. They may apply for work or study permits and do not
count toward the cap.

**As of**: with the "Latest data" switch off, every page shows the intake as it stood at the chosen
moment: only what had been submitted by then, each with the status it had then.

Cap figures are program-wide; the filters narrow the breakdowns, not the cap status.
"""))
st.subheader(t("The demo intake is synthetic"), anchor=False)
st.markdown(t("""
The application records of the 2023 intake are not public. The demo intake is generated from a fixed
seed (`data/demo.toml`, `dashboard/demo.py`) and calibrated to published facts: about 10,000 principal
applications by 17 July 2023 (IRCC, as reported), the citizenship mix of US H-1B visas issued in 2023
(US State Department), family applications in the ratio of H-4 to H-1B visas of each nationality, and
arrivals that surge at opening and follow North American waking hours. Everything else (the exact
hours, the processing times and outcomes) is an assumption, listed in `data/README.md`.
"""))
st.subheader(t("Sign-in"), anchor=False)
st.markdown(t("""
The local demo has no sign-in: anyone who can open its address sees every page it offers. Configure
sign-in (`docs/reliability.md`, `docs/security.md`) before the dashboard holds real records or is shared.
"""))
st.subheader(t("Sources"), anchor=False)
st.markdown(t("""
- US Department of State, monthly nonimmigrant visa issuances by nationality (H-1B, H-4), 2017–2025.
- USCIS, *H-1B Employer Data Hub*, fiscal years 2021–2023 (2023 is a partial release).
- USCIS, *Characteristics of H-1B Specialty Occupation Workers* (approvals by country of birth), compiled.
- USCIS H-1B cap registrations and selections; US Department of Labor LCA disclosure sample.
- IRCC notices on the 2023 open work permit for H-1B holders, as reported (timeline of events).

Each file, its publisher, period and caveats are described in `data/reference/SOURCES.md`.
"""))
