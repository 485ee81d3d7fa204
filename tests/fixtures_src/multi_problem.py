"""A patient with several problems at once: each applicable card must come back once, ordered.

VIPoma on octreotide LAR (last injection 2 weeks ago), capecitabine active, three Lu-177 doses (the last
10 weeks ago), SSTR PET on record, last CBC 8 months ago, no recent potassium; Lu-177 dose 4 drafted.
"""

from .builder import Patient, qty
from .codes import GA68_HCPCS, HEMOGLOBIN, LU177_PIN, LU177_SBD, OCTREOTIDE_LAR_20, PLATELETS, VIPOMA, WBC
from .builder import RX, coding

CAPECITABINE = coding(RX, "200328", "capecitabine 500 MG Oral Tablet")


def vipoma_lar_capecitabine_prrt_stale_cbc():
    p = Patient("multi-problem", "Mira", "Many-Problems")
    p.condition(VIPOMA, onset_days=900)
    p.med_request(OCTREOTIDE_LAR_20, status="active", authored_days=400, dose=qty(20, "mg"),
                  timing={"repeat": {"frequency": 1, "period": 4, "periodUnit": "wk"}})
    p.med_admin(OCTREOTIDE_LAR_20, days_ago=14, dose=qty(20, "mg"))
    p.med_request(CAPECITABINE, status="active", authored_days=20)
    for weeks in (26, 18, 10):
        p.med_admin(LU177_PIN, days_ago=weeks * 7, dose=qty(7.4, "GBq"))
    p.procedure(GA68_HCPCS, days_ago=200)
    p.observation(HEMOGLOBIN, 12.4, "g/dL", days_ago=240, low=12.0, high=15.5)
    p.observation(WBC, 4.9, "10*3/uL", days_ago=240, low=3.4, high=10.8)
    p.observation(PLATELETS, 190, "10*3/uL", days_ago=240, low=150, high=400)
    p.draft_med(LU177_SBD, dose=qty(7.4, "GBq"))
    return p


FIXTURES = {"prrt-long-acting-ssa-washout--multi-problem-vipoma-capecitabine-stale-cbc": vipoma_lar_capecitabine_prrt_stale_cbc}


