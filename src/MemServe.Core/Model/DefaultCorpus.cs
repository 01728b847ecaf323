namespace MemServe.Model;

/// <summary>
/// The English text the default tokenizer's merges are learned from: original prose about caches,
/// memory and serving, written for MemServe. Changing it changes the default vocabulary (and so the
/// default model's shapes); treat it as frozen.
/// </summary>
internal static class DefaultCorpus
{
    public const string Text = """
        A cache is a promise about the future made with the memory of the past. When a server answers a
        question, it does a great deal of work that it would rather not do twice. The work leaves a trace:
        keys and values for every token, layer after layer, stored in blocks of memory. If the next question
        begins with the same words as the last one, the server can reuse those blocks instead of computing
        them again. That is the whole idea, and most of the engineering is about keeping the promise honest.

        Memory is never free. Every block that holds an old prompt is a block that cannot hold a new one.
        So the server must choose what to keep and what to forget. The simplest rule is to forget the block
        that was used least recently. It is not always the best rule, but it is easy to explain, easy to
        test, and hard to break. A good system starts with rules like that and changes them only when the
        numbers say it should.

        Think of a library with a small reading room. Readers ask for books; the librarian keeps the popular
        ones on the shelf near the door and sends the rest to the basement. When a reader asks for a book
        from the basement, someone has to walk down the stairs and carry it up. The walk takes time, but it
        is still faster than writing the book again from memory. In a serving system the basement is the
        host memory or the disk, the stairs are the bus, and writing the book again is recomputation.

        A prompt tree is an index of everything the server remembers. Each path from the root spells out a
        sequence of tokens, and each node points at the blocks that hold the keys and values for that part of
        the sequence. When a request arrives, the server walks down the tree as far as the tokens match. The
        length of the match is the number of tokens it does not need to compute. Nodes that nobody points at
        may be evicted; nodes that a running request still reads are pinned and must stay.

        Serving is a loop. First the scheduler looks at the waiting requests and decides which ones fit in
        memory. Then the model runs one step for the whole batch: a long prefill for new prompts, or a single
        token for each request that is already decoding. Finally the server reads the logits, picks the next
        tokens, and sends them back to the callers who are waiting for them. Then the loop begins again.
        Continuous batching means that a request may join or leave the batch at any step, so nobody waits for
        the slowest sequence to finish.

        The hardest moments come in bursts. Ten thousand users arrive at once, each with a long document and
        a short question. The cache fills, the queue grows, and the time to the first token climbs from a few
        hundred milliseconds to many seconds. One answer is to buy more machines. Another is to notice that
        several machines hold the same weights, and that a group of them could share one copy, each keeping
        only some of the layers. The memory they free becomes room for more blocks, and the queue drains.
        When the burst has passed, they load the missing layers again and go back to working alone.

        Moving data is the other half of the story. When one machine computes a prompt and another machine
        generates the answer, the keys and values must travel between them. Sending them layer by layer costs
        many small messages; sending a whole block at once costs one large message. Large messages are kinder
        to the network, and they are easier to check: a frame with a length, a checksum, and a payload either
        arrives whole or is rejected.

        Numbers should be measured, not guessed. How long does a step take with eight sequences, or with
        sixty four? How many bytes does one token of cache need for this model? How many tokens were served
        from the cache today, and how many were computed? A system that reports these numbers clearly is a
        system that its operators can trust. A system that hides them will surprise everyone, usually at
        night, usually during the busiest hour of the week.

        Correctness comes before speed. A cached answer must be the same as an answer computed from scratch,
        bit for bit, when the batch has the same shape. A fast kernel must agree with a slow and obvious one.
        A failed request must give its memory back. Tests should read like small stories: arrange the world,
        do one thing, and check that the world changed in exactly the way the story said it would.

        Small models are useful too. A model with a few million parameters cannot write poetry, but it can
        exercise every path through the code: loading weights, splitting text into tokens, filling the cache,
        sharing blocks between requests, and streaming tokens back to the caller. It starts in a moment and
        runs on any laptop, which makes it the best friend of anyone who is trying to find a bug at midnight.

        The tokenizer turns text into numbers. It reads bytes, not letters, so it can handle any language and
        any symbol, even ones it has never seen. Frequent pairs of bytes are merged into larger pieces, and
        frequent pairs of pieces are merged again, until common words become single tokens and rare words are
        spelled from smaller parts. The order of the merges matters: the first merge learned is the first one
        applied. Special tokens mark the start and the end of a text, and the turns of a conversation between
        a user and an assistant.

        Here are some questions people ask. What happens when the memory budget is too small for the weights?
        The engine refuses to start and says how many bytes it needed. What happens when a prompt is longer
        than the context? The request fails with a clear message, and nothing else is disturbed. What happens
        when a client disconnects in the middle of a stream? The request is cancelled, its blocks return to
        the pool, and the other requests continue as if nothing had happened.

        In the end, a good server is a careful accountant. It knows where every byte lives, who is using it,
        and when it can be reused. It keeps the work it has already done, shares it when it can, and throws
        it away only when something more valuable needs the space. That is what it means to serve with memory.

        Early computers remembered very little. A machine that filled a room might hold a few thousand words in
        rings of magnetized ferrite, each ring threaded by hand with copper wire. Programmers counted every
        cell and invented clever tricks to reuse them: overlays, swapped segments, self-modifying routines.
        Later came drums, tapes, spinning platters, and finally solid chips that forget nothing until the power
        fails. Each generation was larger, cheaper, and hungrier than the one before, and each one taught the
        same lesson again: whatever capacity you build, someone will find a way to fill it by Friday.

        Walk through a modern data center and you will hear it before you see it. Fans roar behind perforated
        doors; cold air rises from the raised floor and hot air leaves through ducts above the racks. Cables
        are bundled in neat colored looms, labeled at both ends. Technicians carry spare drives, power supplies
        and optical transceivers on small carts. Somewhere among those racks, a graphics accelerator with
        eighty gigabytes of high-bandwidth memory is holding the attention keys of strangers' conversations,
        waiting for their next sentence.

        Cooking offers a familiar comparison. A chef prepares stocks, sauces and chopped vegetables before the
        restaurant opens, because preparing them per order would be hopelessly slow. That preparation is called
        mise en place. During the evening rush, the station keeps the most useful ingredients within reach,
        moves others to the walk-in refrigerator, and throws away whatever has spoiled. A kitchen that manages
        its shelves well serves more guests with fewer cooks; a kitchen that hoards everything runs out of room.

        Consider these figures for one hypothetical deployment: 4 replicas, 32 layers each, 8 key-value heads,
        128 dimensions per head, 2 bytes per element. One token therefore needs 2 x 32 x 8 x 128 x 2 = 131,072
        bytes of cache, roughly 128 KiB. A context of 8,192 tokens occupies a full gigabyte. With 40 GB free,
        a replica holds about 40 such contexts, or 320 shorter ones of 1,024 tokens. Doubling throughput usually
        means halving something else: latency targets, context lengths, or precision.

        "Why did my request wait so long?" asked the developer.
        "Because the queue was full," replied the operator. "Yesterday's traffic peaked at 9:45, and every
        replica was busy prefilling enormous documents."
        "Couldn't you have reused their prefixes?"
        "We did, partially. Most documents began with identical instructions, so roughly 70% of prompt tokens
        came straight from cache. Without that, you'd have waited twice as long."

        Weather changes slowly, then suddenly. Morning fog lifts from the valley; by afternoon, thunderclouds
        gather over distant hills. Farmers watch barometers, sailors watch horizons, and engineers watch
        dashboards. Every profession learns its own signals: a falling pressure reading, a shifting wind, a
        climbing error rate. Recognizing early warnings is half the craft; responding calmly is the other half.

        Good interfaces are boring in the best sense. GenerateAsync returns an asynchronous stream of updates;
        each update carries a token identifier, a fragment of text, and perhaps a finish reason such as stop or
        length. Options have sensible defaults: temperature zero means greedy decoding, max_tokens limits the
        output, and a seed makes sampling reproducible. Errors explain themselves: InvalidRequestException says
        which field was wrong and why, while MemoryBudgetExceededException reports requested and available bytes.

        Languages borrow words freely. English took algebra from Arabic, kindergarten from German, ketchup from
        Hokkien, and robot from Czech. Tokenizers trained on mixed text therefore meet surprising spellings,
        accents, emoji, mathematical symbols and programming syntax. Because byte-level models fall back to
        individual bytes, nothing is ever truly unknown; unusual inputs simply cost more tokens.

        Gardeners prune in winter so that trees grow stronger in spring. Removing weak branches lets sunlight
        reach healthy ones. Systems benefit from similar discipline: delete unused features, retire obsolete
        configuration switches, simplify tangled dependencies. Fewer moving parts mean fewer surprises, quicker
        builds, shorter reviews, and happier maintainers years later.

        Finally, remember the humans. Behind each request sits somebody drafting an email, translating a
        recipe, debugging a stubborn function, or simply curious about the world. Fast responses feel polite;
        consistent ones feel trustworthy. Engineering choices ripple outward into thousands of small moments,
        and quietly decide whether people enjoy using the software or merely tolerate it.
        """;
}
