"""Plain language around the model: narratives, operator questions, and the optional
language-model translator.

Every number an answer states comes from mixcast's own engines (scenarios, the optimiser,
response curves, counterfactual returns) with its 90% interval and the channel's trust
verdict; text here only reads and phrases them. :mod:`~mixcast.assist.taxonomy` matches
channel names forgivingly, :mod:`~mixcast.assist.questions` parses a question into a
structured :class:`~mixcast.assist.questions.Call`, :mod:`~mixcast.assist.answer` runs it,
:mod:`~mixcast.assist.narrative` writes a run's summary, and :mod:`~mixcast.assist.llm`
translates free text into the same calls when an endpoint is configured.
"""
