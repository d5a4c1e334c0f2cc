"""Generated account stories for the world properties: the strategy (:mod:`~verifier.verify.stories.strategy`),
the story as a scenario run by the one scenario runner (:mod:`~verifier.verify.stories.scenario`), and the
scenario as a file (:mod:`~verifier.verify.stories.document`) that ``margin-verifier simulate`` reproduces.
"""

from verifier.verify.stories.scenario import Trace, run_story, story_scenario, trace_of
from verifier.verify.stories.strategy import Story, stories

__all__ = ["Story", "Trace", "run_story", "stories", "story_scenario", "trace_of"]
