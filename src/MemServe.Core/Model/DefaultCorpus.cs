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
        """;
}
