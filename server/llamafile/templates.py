"""Chat templates the client knows, for servers that only offer raw /completion.

Rendering the prompt ourselves lets us end it with the assistant's reply already begun
(ChatRequest.prefill), which tiny models need to stay on task.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Template:
    """How one model family wraps turns; `assistant` is the header a reply follows."""

    turn: str  # format with role and content
    assistant: str
    stop: tuple[str, ...]
    bos: str = ""
    system_as_user: bool = False  # some families have no system role
    # A special token only a model trained on this template has in its vocabulary; when the
    # model splits it into pieces, the template is the server's fallback, not the model's own.
    marker: str = ""


TEMPLATES: dict[str, Template] = {
    "chatml": Template(
        "<|im_start|>{role}\n{content}<|im_end|>\n", "<|im_start|>assistant\n", ("<|im_end|>",),
        marker="<|im_start|>",
    ),
    "zephyr": Template("<|{role}|>\n{content}</s>\n", "<|assistant|>\n", ("</s>",)),
    "llama3": Template(
        "<|start_header_id|>{role}<|end_header_id|>\n\n{content}<|eot_id|>",
        "<|start_header_id|>assistant<|end_header_id|>\n\n",
        ("<|eot_id|>",),
        bos="<|begin_of_text|>",
        marker="<|start_header_id|>",
    ),
    "gemma": Template(
        "<start_of_turn>{role}\n{content}<end_of_turn>\n",
        "<start_of_turn>model\n",
        ("<end_of_turn>",),
        system_as_user=True,
        marker="<start_of_turn>",
    ),
    "phi3": Template("<|{role}|>\n{content}<|end|>\n", "<|assistant|>\n", ("<|end|>",)),
    "llama2": Template("[INST] {content} [/INST]", " ", ("</s>", "[INST]"), system_as_user=True),
    # For a server that names neither its model nor its template and has no chat route: plain
    # "User:" / "Assistant:" turns, which instruction-tuned models of every family continue.
    "generic": Template("{role}: {content}\n\n", "Assistant: ", ("\nUser:", "\n\n", "</s>"),
                        system_as_user=True),
    # For a base model (no chat template of its own): no turns at all, the messages as one
    # text, each worked answer ending its paragraph, so the prompt reads as a document whose
    # next line the model continues ("...\nThey are all" -> " fruits").
    "plain": Template("{content}\n", "", ("\n\n",), system_as_user=True),
}

# Markers in a GGUF's Jinja chat template, most specific first.
_MARKERS = [
    ("<|start_header_id|>", "llama3"),
    ("<start_of_turn>", "gemma"),
    ("<|im_start|>", "chatml"),
    ("<|assistant|>", "zephyr"),  # zephyr and phi3 differ in the end marker
    ("[INST]", "llama2"),
]
# Model file names when the server does not expose its template (old llamafile).
_NAMES = [
    ("smollm", "chatml"),
    ("qwen", "chatml"),
    ("hermes", "chatml"),
    ("tinyllama", "zephyr"),
    ("zephyr", "zephyr"),
    ("llama-3", "llama3"),
    ("llama3", "llama3"),
    ("gemma", "gemma"),
    ("phi-3", "phi3"),
    ("mistral", "llama2"),
    ("llama-2", "llama2"),
]


def template_for(jinja: str | None, model: str) -> str | None:
    """The name of a known template for this server's Jinja template or model name."""
    if jinja:
        for marker, name in _MARKERS:
            if marker in jinja:
                if name == "zephyr" and "<|end|>" in jinja:
                    return "phi3"
                return name
    low = model.lower()
    for part, name in _NAMES:
        if part in low:
            return name
    return None


def render(name: str, messages: list[dict[str, str]], prefill: str = "") -> str:
    """The prompt for `messages`, ending with the assistant header and the prefill."""
    t = TEMPLATES[name]
    out = [t.bos]
    pending_system = ""
    for m in messages:
        role, content = m["role"], m["content"]
        if t.system_as_user and role == "system":
            pending_system += content + "\n\n"
            continue
        if pending_system and role == "user":
            content, pending_system = pending_system + content, ""
        if name == "plain":
            out.append(content + ("\n" if role == "user" else "\n\n"))
        elif name == "generic":
            out.append(t.turn.format(role=role.capitalize(), content=content))
        elif name == "llama2":
            out.append(t.turn.format(content=content) if role == "user" else f" {content} </s>")
        else:
            out.append(t.turn.format(role="model" if name == "gemma" and role == "assistant"
                                     else role, content=content))
    out.append(t.assistant)
    return "".join(out) + prefill
