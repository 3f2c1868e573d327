"""Reads --help output in pflag's layout (karmada-metrics-adapter's, and fedmetrics-adapter's, which copies it):

    <Section> flags:

      -v, --v Level          usage ... (default 0)
          --name type        usage ... (default "x")

Used by scripts/gen-flags-doc (docs/flags.md, the reference flag list) and by the tests.
"""
import re

SECTION = re.compile(r"^(\S.*) flags:$")
FLAG = re.compile(r"^  (?:-(\w), |    )--([A-Za-z0-9][A-Za-z0-9_-]*)(?: (\S+))?\s{2,}(.*)$")
DEFAULT = re.compile(r"\s*\(default (.*)\)$")
NO_EFFECT = "No effect in fedmetrics-adapter:"


class Flag:
    def __init__(self, section, name, short, type_, raw):
        self.section, self.name, self.short, self.type = section, name, short, type_ or "bool"
        self.raw = raw  # the usage text with its "(default x)"

    @property
    def default(self):
        m = DEFAULT.search(self.raw)
        return m.group(1) if m else ""

    @property
    def usage(self):
        m = DEFAULT.search(self.raw)
        return (self.raw[:m.start()] if m else self.raw).strip()

    @property
    def no_effect(self):
        """The reason this flag has no effect here, or None."""
        i = self.usage.find(NO_EFFECT)
        return self.usage[i + len(NO_EFFECT):].strip() if i >= 0 else None

    @property
    def meaning(self):
        i = self.usage.find(NO_EFFECT)
        return self.usage[:i].strip() if i >= 0 else self.usage


def parse(text):
    """[(section, [Flag])] in the order of the help text. Continuation lines join the previous usage."""
    sections, current = [], None
    for line in text.splitlines():
        m = SECTION.match(line)
        if m:
            current = (m.group(1), [])
            sections.append(current)
            continue
        if current is None or not line.strip():
            continue
        m = FLAG.match(line)
        if m:
            short, name, type_, usage = m.groups()
            current[1].append(Flag(current[0], name, short, type_, usage))
        elif current[1] and line.startswith(" " * 8):
            current[1][-1].raw += " " + line.strip()
    return sections


def flags(text):
    """{name: Flag} over every section."""
    return {f.name: f for _, fs in parse(text) for f in fs}
