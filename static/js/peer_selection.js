// Other people's selections: an outline in their colour around what each of them has
// selected, so two people do not edit the same note without knowing.

/**
 * Which person's outline each item gets: the first (by client id) who selected it.
 * @param {Map<string, string[]>} byClient client -> selected keys
 * @returns {Map<string, string>} key -> client
 */
export function outlineOwners(byClient) {
  const owners = new Map();
  for (const client of [...byClient.keys()].sort()) {
    for (const key of byClient.get(client)) if (!owners.has(key)) owners.set(key, client);
  }
  return owners;
}

export function installPeerSelection(ctx, colorOf) {
  const byClient = new Map();
  let shown = new Map(); // key -> client, as drawn

  function draw() {
    const next = outlineOwners(byClient);
    for (const [key] of shown) {
      if (!next.has(key)) ctx.renderer.elementOf(key)?.classList.remove('peer-sel');
    }
    for (const [key, client] of next) {
      if (shown.get(key) === client) continue;
      const node = ctx.renderer.elementOf(key);
      if (!node) continue;
      node.classList.add('peer-sel');
      node.style.setProperty('--peer', colorOf(client));
    }
    shown = next;
  }

  return {
    /** `client` now has `keys` selected ([] when none or gone). */
    set(client, keys) {
      if (keys.length) byClient.set(client, keys); else byClient.delete(client);
      draw();
    },
    /** Everyone whose selection is drawn. */
    clients: () => [...byClient.keys()],
  };
}
