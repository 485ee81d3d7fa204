"""The site configuration: what a hospital's CDS committee changes without editing the product's card files.

A versioned YAML (or JSON) file named by `PNET_CDS_SITE_CONFIG_FILE`, checked at start-up against
service/schemas/site-config.schema.json and the card files; anything wrong stops start-up with a message that
names the file and the place. Per rule:

    version: "2026-12-01"                 # the committee's version; in every audit row and response
    rules:
      post-prrt-cbc-surveillance:
        mode: silent                      # active | silent (evaluated and audited, no card) | off
        hooks: [patient-view]             # some of the card file's hooks
        indicator: info                   # every variant, or {variant: indicator}
        parameters: {cbc_interval_days: 120}   # only parameters with a range in the card file, within it
        note: pilot before switching on   # for the committee
    tenants:                              # optional: one caller (JWT iss [+ tenant]) over the site-wide rules
      - issuer: https://ehr.example.org
        tenant: oncology
        rules: {ssa-in-insulinoma: {mode: off}}

Without a file every rule runs as its card file says and the version is `DEFAULT_VERSION`.
`SiteConfig.rules_for(claims)` gives the engine the rules of one caller: off rules left out, the others with
their effective card spec (parameters, hooks, indicator) and mode.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import jsonschema
import yaml

from .cards import CardSpec
from .engine import Rule
from .parameter_ranges import RangeError, check_value

log = logging.getLogger(__name__)

DEFAULT_VERSION = "product-defaults"
MODES = ("active", "silent", "off")


class SiteConfigError(ValueError):
    """The site configuration is wrong; the message names the file, the place and what to do."""


@dataclass(frozen=True)
class RuleSetting:
    """What the site says about one rule (None: as the card file says)."""

    mode: str = "active"
    hooks: tuple[str, ...] | None = None
    indicator: str | dict | None = None
    parameters: dict = field(default_factory=dict)
    note: str | None = None

    def over(self, base: RuleSetting) -> RuleSetting:
        """This (a tenant's) setting laid over `base` (the site-wide one)."""
        return RuleSetting(mode=self.mode, hooks=self.hooks or base.hooks,
                           indicator=self.indicator if self.indicator is not None else base.indicator,
                           parameters={**base.parameters, **self.parameters}, note=self.note or base.note)


@dataclass
class Profile:
    """The effective rules for one kind of caller."""

    name: str
    settings: dict[str, RuleSetting]
    rules: list[Rule]


@dataclass
class SiteConfig:
    version: str
    path: str | None
    sha256: str | None
    cards: dict[str, CardSpec]
    default: Profile
    tenants: list[tuple[str, str | None, Profile]] = field(default_factory=list)

    def rules_for(self, claims: dict | None) -> list[Rule]:
        """The rules for a caller with these verified JWT claims (None: no verified caller)."""
        return self.profile_for(claims).rules

    def profile_for(self, claims: dict | None) -> Profile:
        if isinstance(claims, dict) and self.tenants:
            issuer, tenant = claims.get("iss"), claims.get("tenant")
            for entry_issuer, entry_tenant, profile in self.tenants:  # a tenant entry before its issuer's
                if entry_issuer == issuer and entry_tenant is not None and entry_tenant == tenant:
                    return profile
            for entry_issuer, entry_tenant, profile in self.tenants:
                if entry_issuer == issuer and entry_tenant is None:
                    return profile
        return self.default

    def describe(self) -> dict:
        """The effective configuration, for `pnet-cds config show` and the dashboard."""
        return {"version": self.version, "file": self.path, "sha256": self.sha256,
                "rules": describe_profile(self.default, self.cards),
                "tenants": [{"issuer": issuer, "tenant": tenant, "rules": describe_profile(profile, self.cards)}
                            for issuer, tenant, profile in self.tenants]}


def render_site_config(config: SiteConfig) -> str:
    """The effective configuration as a terminal table: every rule, then each tenant's differences."""
    source = f"{config.path} (sha256 {config.sha256[:12]})" if config.path else "no file: the card files as they are"
    lines = [f"site configuration version {config.version}: {source}", ""]
    lines += _render_rows(describe_profile(config.default, config.cards))
    for issuer, tenant, profile in config.tenants:
        changed = [row for row in describe_profile(profile, config.cards) if row["rule"] in profile.settings]
        lines += ["", f"for issuer {issuer}" + (f", tenant {tenant}" if tenant else "") + ":"]
        lines += _render_rows(changed)
    return "\n".join(lines)


def _render_rows(rows: list[dict]) -> list[str]:
    lines = [f"{'rule':34} {'ver':>4} {'mode':7} {'hooks':38} indicator"]
    for row in rows:
        indicators = ", ".join(sorted(set(row["indicators"].values())))
        lines.append(f"{row['rule']:34} {row['version']:>4} {row['mode']:7} {', '.join(row['hooks']):38} {indicators}")
        for parameter in row["parameters"]:
            if parameter["overridden"]:
                bounds = parameter["range"]
                lines.append(f"    {parameter['name']} = {parameter['value']} (card file: {parameter['cardValue']}; "
                             f"allowed {bounds['min']}–{bounds['max']})")
        if row["note"]:
            lines.append(f"    note: {row['note']}")
    return lines


def describe_profile(profile: Profile, cards: dict[str, CardSpec]) -> list[dict]:
    rows = []
    for rule_id, spec in cards.items():
        setting = profile.settings.get(rule_id, RuleSetting())
        effective = effective_spec(spec, setting)
        rows.append({
            "rule": rule_id, "title": spec.title, "version": spec.version, "mode": setting.mode,
            "hooks": effective.hooks, "cardHooks": spec.hooks,
            "indicators": {name: variant["indicator"] for name, variant in effective.variants.items()},
            "parameters": [{"name": name, "value": effective.parameters[name], "cardValue": spec.parameters[name],
                            "overridden": name in setting.parameters, "range": spec.parameter_ranges.get(name)}
                           for name in spec.parameters],
            "note": setting.note})
    return rows


def load_site_config(path: str | Path | None, rules: list[Rule]) -> SiteConfig:
    """The site configuration from `path` (None: none configured) over the product's rules (in catalog
    order); a rule the site leaves alone is the product's own Rule object. Raises SiteConfigError naming
    the place."""
    cards = {rule.spec.id: rule.spec for rule in rules}
    if not path:
        return SiteConfig(DEFAULT_VERSION, None, None, cards, build_profile("site", {}, rules))
    data, digest = _read(Path(path))
    where = str(path)
    site = parse_rules(where, "rules", data.get("rules", {}), cards)
    config = SiteConfig(str(data["version"]), where, digest, cards, build_profile("site", site, rules))
    for index, entry in enumerate(data.get("tenants", [])):
        own = parse_rules(where, f"tenants/{index}/rules", entry["rules"], cards)
        merged = {rule_id: own[rule_id].over(site.get(rule_id, RuleSetting())) if rule_id in own else site[rule_id]
                  for rule_id in {*site, *own}}
        name = f"issuer {entry['issuer']}" + (f" tenant {entry['tenant']}" if entry.get("tenant") else "")
        config.tenants.append((entry["issuer"], entry.get("tenant"), build_profile(name, merged, rules)))
    modes = [setting.mode for setting in site.values()]
    log.info("site configuration %s from %s: %d rule(s) silent, %d off, %d with other settings, %d tenant entries",
             config.version, where, modes.count("silent"), modes.count("off"), modes.count("active"),
             len(config.tenants))
    return config


def build_profile(name: str, settings: dict[str, RuleSetting], rules: list[Rule]) -> Profile:
    """The rules one caller gets: off rules left out, the others with their effective spec and mode."""
    effective = []
    for rule in rules:
        setting = settings.get(rule.spec.id)
        if setting is None:
            effective.append(rule)
        elif setting.mode != "off":
            effective.append(Rule(effective_spec(rule.spec, setting), rule.evaluate, mode=setting.mode))
    return Profile(name, settings, effective)


def effective_spec(spec: CardSpec, setting: RuleSetting) -> CardSpec:
    """The card spec with the site's parameters, hooks and indicator (the card file's spec when none)."""
    if not (setting.parameters or setting.hooks or setting.indicator):
        return spec
    parameters = {**spec.parameters, **setting.parameters}
    hooks = [hook for hook in spec.hooks if hook in setting.hooks] if setting.hooks else list(spec.hooks)
    variants = {name: {**compiled, "indicator": _indicator(setting.indicator, name, compiled["indicator"])}
                for name, compiled in spec.variants.items()}
    raw_variants = {name: {**variant, "indicator": variants[name]["indicator"]}
                    for name, variant in spec.raw["variants"].items()}
    raw = {**spec.raw, "parameters": parameters, "hooks": hooks, "variants": raw_variants}
    return dataclasses.replace(spec, parameters=parameters, hooks=hooks, variants=variants, raw=raw)


def _indicator(setting: str | dict | None, variant: str, default: str) -> str:
    if isinstance(setting, dict):
        return setting.get(variant, default)
    return setting or default


def parse_rules(where: str, pointer: str, rules: dict, cards: dict[str, CardSpec]) -> dict[str, RuleSetting]:
    """The per-rule settings under `pointer`, each checked against its card file. Raises SiteConfigError."""
    problems, settings = [], {}
    for rule_id, entry in rules.items():
        place = f"{pointer}/{rule_id}"
        spec = cards.get(rule_id)
        if spec is None:
            problems.append(f"at {place}: unknown rule id {rule_id!r} (no card file cards/{rule_id}.yaml; "
                            f"known: {', '.join(cards)})")
            continue
        problems += _hook_problems(place, entry.get("hooks"), spec)
        problems += _indicator_problems(place, entry.get("indicator"), spec)
        problems += _parameter_problems(place, entry.get("parameters", {}), spec)
        settings[rule_id] = RuleSetting(mode=entry.get("mode", "active"),
                                        hooks=tuple(entry["hooks"]) if entry.get("hooks") else None,
                                        indicator=entry.get("indicator"), parameters=entry.get("parameters", {}),
                                        note=entry.get("note"))
    if problems:
        raise SiteConfigError(f"site configuration {where}:\n" + "\n".join(f"  {p}" for p in problems))
    return settings


def _hook_problems(place: str, hooks: list | None, spec: CardSpec) -> list[str]:
    extra = [hook for hook in hooks or [] if hook not in spec.hooks]
    if not extra:
        return []
    return [f"at {place}/hooks: {', '.join(extra)} not among the rule's hooks ({', '.join(spec.hooks)})"]


def _indicator_problems(place: str, indicator, spec: CardSpec) -> list[str]:
    if not isinstance(indicator, dict):
        return []
    return [f"at {place}/indicator/{name}: the card has no variant {name!r} (variants: {', '.join(spec.variants)})"
            for name in indicator if name not in spec.variants]


def _parameter_problems(place: str, parameters: dict, spec: CardSpec) -> list[str]:
    problems = []
    for name, value in parameters.items():
        if name not in spec.parameters:
            problems.append(f"at {place}/parameters/{name}: the rule has no parameter {name!r} "
                            f"(parameters: {', '.join(spec.parameters) or 'none'})")
        elif name not in spec.parameter_ranges:
            problems.append(f"at {place}/parameters/{name}: not a site-tunable parameter (its card file "
                            f"declares no range for it; tunable: {', '.join(spec.parameter_ranges) or 'none'})")
        else:
            try:
                check_value(name, value, spec.parameter_ranges[name], like=spec.parameters[name])
            except RangeError as exc:
                problems.append(f"at {place}/parameters/{name}: {exc}")
    return problems


@cache
def site_config_schema() -> dict:
    text = resources.files("pnet_cds").joinpath("schemas/site-config.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def _read(path: Path) -> tuple[dict, str]:
    """The file's data (schema-checked) and its SHA-256. Raises SiteConfigError."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SiteConfigError(f"site configuration {path}: cannot be read ({exc.strerror}); "
                              "fix PNET_CDS_SITE_CONFIG_FILE") from None
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SiteConfigError(f"site configuration {path}: not valid YAML or JSON: {exc}") from None
    validator = jsonschema.Draft202012Validator(site_config_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"  at {'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {_message(e)}" for e in errors[:10]]
        raise SiteConfigError(f"site configuration {path}: does not match "
                              "service/schemas/site-config.schema.json:\n" + "\n".join(lines))
    return data, hashlib.sha256(raw).hexdigest()


def _message(error: jsonschema.ValidationError) -> str:
    if error.validator == "enum" and list(error.absolute_path)[-1:] == ["mode"]:
        return f"mode {error.instance!r} is not one of {', '.join(MODES)}"
    return error.message
