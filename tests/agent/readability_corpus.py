"""Texts on which the agent's readability is checked against textstat: four genres that marketing
copy is made of (social posts with links and hashtags; text full of numbers and abbreviations;
dense jargon; dialogue), 20 to 300 words each. Written for these tests, not taken from anywhere."""

from __future__ import annotations

GENRES = ("social", "numbers", "jargon", "dialogue")

CORPUS: list[tuple[str, str, str]] = [
    # --- social posts: links, hashtags, @mentions, emoji, lines instead of full stops ---
    ("social", "autumn_blend",
     "Our autumn blend is back: maple, pecan and a little spice. Grab a bag this week while it lasts "
     "https://beanthere.example/?utm_source=x&utm_medium=social&utm_campaign=autumn #coffee"),
    ("social", "opening_hours",
     "Big news! 🎉 Starting Monday we open at 6:30 every weekday, so early birds can grab a flat white "
     "before the commute. Same beans, same smiles, just earlier. See you there! #MorningPerson #LocalCoffee"),
    ("social", "thanks_partner",
     "Huge thanks to @GreenLeafFarms for hosting our team last weekend. We walked the orchards, tasted "
     "cider straight from the press and learned how they keep their soil healthy without chemicals. "
     "Read the full story on our blog: https://beanthere.example/blog/green-leaf-visit #sustainability "
     "#farmtotable #community"),
    ("social", "list_post",
     "Three reasons to try our new cold brew:\n"
     "It is steeped for twenty hours, so it tastes smooth and never bitter.\n"
     "Every bottle is made from beans we roast ourselves.\n"
     "It costs less than your usual iced latte.\n"
     "Find it in the fridge by the till. #coldbrew #summer"),
    ("social", "hiring",
     "We're hiring! Looking for a friendly barista who loves people as much as coffee. Part time, "
     "weekends included, training provided. Send a short note about yourself to jobs@beanthere.example "
     "or drop by the shop and ask for Maria. #hiring #barista #jobs"),
    ("social", "linkedin_milestone",
     "Five years ago we opened a tiny kiosk next to the train station with one grinder, a borrowed "
     "espresso machine and a lot of hope.\n\n"
     "Today we run three shops, employ twenty-four people and roast every bean in our own warehouse. "
     "None of this would have happened without the neighbours who kept coming back, the suppliers who "
     "trusted us with credit when we had none, and a team that showed up on the hardest days.\n\n"
     "Thank you. Here is to the next five years.\n\n"
     "https://beanthere.example/about #smallbusiness #anniversary #gratitude"),
    ("social", "giveaway",
     "GIVEAWAY TIME ☕️ Win a month of free coffee! To enter: follow @beanthere, like this post and tag "
     "two friends who need a caffeine boost. Winner announced Friday. Good luck! #giveaway #contest #freecoffee"),
    ("social", "event_invite",
     "Join us this Saturday for a latte art workshop with our head barista @sam_pours. You will learn "
     "how to steam milk properly, pour a heart and, if things go well, a tulip. Spots are limited, so "
     "book early: https://beanthere.example/events/latte-art?utm_source=instagram&utm_medium=social "
     "#latteart #workshop #coffeelovers"),
    ("social", "short_promo",
     "Pumpkin spice is back and it is better than ever. Try it hot or iced at any of our shops today. "
     "#PumpkinSpice #FallVibes"),
    ("social", "customer_story",
     "Meet Priya, who has ordered the same oat cappuccino every morning for three years. When she moved "
     "across town, she asked us to ship her beans instead. So we started a subscription service, and now "
     "more than two hundred customers get fresh coffee at their door every fortnight. Sometimes the best "
     "ideas come from the people you serve. Start yours at https://beanthere.example/subscribe "
     "#customerstories #coffeesubscription @priya_drinks_coffee"),
    ("social", "apology",
     "We owe you an apology. Last Tuesday our card machines went down for most of the afternoon and many "
     "of you left without your coffee. That is not the service we want to give. We have added a backup "
     "terminal to every shop, and anyone who visits this week gets a free pastry with any drink. Thank "
     "you for your patience. #customerservice"),
    ("social", "thread_tip",
     "Brewing tip of the week: use water just off the boil, around 94 degrees, and let the grounds bloom "
     "for thirty seconds before you pour the rest. It makes a real difference to the taste. What is your "
     "favourite way to brew at home? Tell us below 👇 #brewingtips #homebarista"),

    # --- numbers and abbreviations ---
    ("numbers", "quarterly_results",
     "Revenue rose 20% to $4.2M in Q3, up from $3.5M a year earlier. Gross margin improved by 3.4 "
     "points to 61.2%, driven by lower freight costs and a 12% increase in average order value. "
     "Subscriptions now account for 38% of sales. Operating expenses grew 9% to $1.9M, mainly because "
     "we hired 14 people across sales and support. We expect Q4 revenue between $4.6M and $4.9M."),
    ("numbers", "press_release",
     "SEATTLE, Jan. 12, 2026 -- Bean There Coffee Co. today announced that Dr. Helen Park, Ph.D., has "
     "joined the company as chief sustainability officer. Dr. Park previously led supply chain research "
     "at the U.S. Department of Agriculture for 11 years. She will report to CEO James O'Neill and "
     "oversee sourcing from 27 farms in 6 countries. The appointment takes effect Feb. 1."),
    ("numbers", "store_hours",
     "Opening hours from Mon. Dec. 1: Mon.-Fri. 6:30 a.m. to 7 p.m.; Sat. 8 a.m. to 6 p.m.; Sun. 9 a.m. "
     "to 4 p.m. On Dec. 24 we close at 2 p.m. and on Dec. 25 and Jan. 1 we are closed all day. Call "
     "(206) 555-0142 for large orders of 20 or more drinks."),
    ("numbers", "survey_summary",
     "We surveyed 1,250 customers between Oct. 3 and Oct. 17. Of those, 72% said they visit at least "
     "twice a week, and 41% buy beans to brew at home. The average spend per visit was $6.85, vs. $6.10 "
     "last year. Satisfaction scored 4.6 out of 5, and the net promoter score rose from 48 to 57. The "
     "margin of error is +/- 2.8 percentage points at a 95% confidence level."),
    ("numbers", "shipping_policy",
     "Orders placed before 2 p.m. PST ship the same day. Standard shipping takes 3-5 business days and "
     "costs $4.99, or is free on orders over $35. Express shipping (1-2 days) costs $12.50. We ship to "
     "all 50 U.S. states, Canada and the U.K. International orders may take 7-14 days and can incur "
     "customs fees of up to 20% of the order value."),
    ("numbers", "nutrition",
     "A 12 oz. oat latte has about 190 calories, 7 g of fat, 29 g of carbs and 3 g of protein. Our 16 "
     "oz. cold brew has just 5 calories and roughly 200 mg of caffeine, i.e. about twice as much as a "
     "standard 8 oz. cup of drip coffee. Add 2 pumps of vanilla syrup and you add 40 calories and 10 g "
     "of sugar."),
    ("numbers", "investor_update",
     "Dear investors, Feb. was our best month yet. MRR reached $312K (+8.5% MoM), churn fell to 2.1%, and "
     "CAC payback improved from 14 to 11 months. We closed 3 wholesale deals worth $480K ARR combined, "
     "incl. one with a chain of 40 hotels in the U.S. and Canada. Cash on hand is $2.7M, i.e. roughly "
     "22 months of runway at our current burn of $123K/month."),
    ("numbers", "event_logistics",
     "The expo runs Sept. 18-20 at Hall B, 1200 Convention Pl., Suite 400. Doors open at 9 a.m. each "
     "day. Our booth is no. 214, between the St. Louis Roasters and Mt. Rainier Tea Co. booths. Bring "
     "your badge and a photo ID. Parking costs $18/day; the no. 7 bus stops 200 m from the entrance "
     "every 15 min."),
    ("numbers", "price_change",
     "From Mar. 1, prices will change as follows: espresso $3.25 (was $3.00), cappuccino $4.75 (was $4.50), "
     "and 1 lb. bags of beans $18.99 (was $16.99). Green coffee prices have risen 65% since 2023, and we "
     "have held our prices for 26 months. Members keep their 10% discount, and refills stay at $1."),
    ("numbers", "history_timeline",
     "In 1998, J. R. Ellis opened the first shop on 5th Ave. with a $25,000 loan. By 2004 there were 3 "
     "locations; by 2015, 12. In 2019 the company moved its roastery to a 40,000 sq. ft. building in "
     "the S. Industrial District, and in 2021 it became a certified B Corp. with a score of 96.4."),

    # --- dense jargon ---
    ("jargon", "martech",
     "Our omnichannel attribution methodology leverages probabilistic identity resolution to "
     "deduplicate cross-device interactions, enabling marketers to quantify incrementality with "
     "unprecedented granularity. By operationalizing first-party data within a privacy-preserving "
     "clean room, organizations can activate audience segmentation strategies that maximize return on "
     "advertising spend while ensuring regulatory compliance."),
    ("jargon", "sustainability",
     "Our regenerative sourcing framework prioritizes biodiversity, soil microbiology and community "
     "resilience. Participating cooperatives implement agroforestry systems that sequester atmospheric "
     "carbon, reduce erosion and diversify smallholder revenue. Independent verification ensures "
     "traceability throughout the supply chain, and transparent premiums incentivize continuous "
     "improvement in environmental and socioeconomic outcomes."),
    ("jargon", "software",
     "The platform's microservices architecture decouples ingestion, transformation and visualization "
     "layers, allowing each component to scale horizontally under variable workloads. Asynchronous "
     "message queues guarantee idempotent processing, while containerized deployments orchestrated by "
     "Kubernetes minimize operational overhead. Comprehensive observability, including distributed "
     "tracing and anomaly detection, accelerates incident remediation."),
    ("jargon", "legal",
     "Notwithstanding the foregoing, the licensee shall indemnify and hold harmless the licensor and its "
     "affiliates from any liabilities, damages or expenses arising from unauthorized modifications, "
     "provided that the licensor promptly notifies the licensee of such claims and cooperates reasonably "
     "in their resolution. This agreement constitutes the entire understanding between the parties."),
    ("jargon", "medical",
     "Caffeine is a methylxanthine alkaloid that acts as a competitive antagonist at adenosine receptors, "
     "thereby increasing neuronal excitability and catecholamine release. Pharmacokinetic variability, "
     "particularly polymorphisms affecting hepatic cytochrome metabolism, substantially influences "
     "individual sensitivity. Excessive consumption may precipitate tachycardia, anxiety and "
     "gastrointestinal disturbances in susceptible individuals."),
    ("jargon", "coffee_science",
     "Extraction efficiency depends on particle size distribution, water temperature, contact time and "
     "agitation. Underextraction produces sourness because acidic compounds dissolve first, whereas "
     "overextraction introduces bitterness and astringency from heavier polyphenolic molecules. "
     "Refractometry quantifies total dissolved solids, enabling baristas to calibrate recipes "
     "systematically rather than relying exclusively on subjective sensory evaluation."),
    ("jargon", "strategy",
     "To capitalize on emerging opportunities, the organization will prioritize strategic initiatives "
     "that accelerate digital transformation, strengthen operational resilience and foster a culture of "
     "continuous innovation. Cross-functional collaboration and data-driven decision making will be "
     "essential to delivering sustainable, profitable growth and exceptional stakeholder value across "
     "every business unit."),
    ("jargon", "finance",
     "Amortization of capitalized development costs, together with unrealized foreign exchange "
     "variations and nonrecurring restructuring charges, materially affected consolidated profitability. "
     "Management anticipates that ongoing rationalization of manufacturing capacity, combined with "
     "favorable commodity hedging, will progressively mitigate volatility and improve liquidity."),
    ("jargon", "hr_policy",
     "Eligibility for discretionary performance-based remuneration is contingent upon satisfactory "
     "completion of the probationary period and demonstrated alignment with organizational competencies. "
     "Supervisors are responsible for documenting developmental objectives, facilitating quarterly "
     "calibration conversations and ensuring equitable application of evaluation criteria."),
    ("jargon", "academic",
     "This longitudinal study investigates the sociological determinants of consumer loyalty in "
     "specialty coffee communities. Methodologically, it combines ethnographic observation with "
     "quantitative analysis of transactional data. Preliminary findings suggest that perceived "
     "authenticity and interpersonal familiarity with baristas are considerably more influential than "
     "price sensitivity or geographical accessibility."),
    ("jargon", "packaging",
     "Our compostable packaging incorporates plant-derived biopolymers and a metallized cellulose barrier "
     "that preserves aromatic volatiles while remaining certified for industrial biodegradation. "
     "Comparative lifecycle assessments indicate significantly lower greenhouse gas emissions relative "
     "to conventional multilayer laminates, although municipal infrastructure availability varies "
     "considerably between jurisdictions."),

    # --- dialogue ---
    ("dialogue", "ordering",
     "\"Morning! What can I get you?\" \"Just a small latte, please.\" \"Oat or regular milk?\" "
     "\"Oat, thanks. And could you make it extra hot?\" \"Of course. Anything to eat?\" \"No, I'm fine. "
     "Actually, wait, is that banana bread?\" \"It is, baked this morning.\" \"Then I'll have a slice.\" "
     "\"Great choice. That's six fifty.\""),
    ("dialogue", "complaint",
     "\"Excuse me, I think there's been a mistake,\" she said. \"I ordered decaf.\"\n"
     "\"I'm so sorry,\" the barista replied. \"Let me make you a fresh one right away.\"\n"
     "\"It's fine, really. I just can't have caffeine after noon.\"\n"
     "\"Completely understand. This one's on us, and I'll double check the label this time.\""),
    ("dialogue", "interview",
     "Q: Why did you start roasting your own beans?\n"
     "A: Honestly, we couldn't find a supplier whose coffee tasted the way we wanted. So we bought a "
     "small roaster, burned a lot of beans, and slowly figured it out.\n"
     "Q: What was the hardest part?\n"
     "A: Consistency. Getting one good batch is easy. Getting the same good batch every single day takes "
     "years of practice.\n"
     "Q: Any advice for people starting out?\n"
     "A: Taste everything, write everything down, and don't be afraid to throw a batch away."),
    ("dialogue", "story",
     "\"Do you think it'll rain?\" Tom asked, looking at the grey sky.\n"
     "\"Probably,\" said Anna. \"It always does when we plan a picnic.\"\n"
     "\"Then let's go to the café instead. They have those big windows.\"\n"
     "\"And the cinnamon rolls,\" she said, smiling. \"You just want the cinnamon rolls.\"\n"
     "\"Guilty,\" he admitted. They grabbed their coats and ran across the street just as the first "
     "drops began to fall."),
    ("dialogue", "support_chat",
     "Customer: Hi, my order hasn't arrived yet and it's been over a week.\n"
     "Agent: I'm sorry to hear that! Could you share your order number?\n"
     "Customer: Sure, it's 48213.\n"
     "Agent: Thanks. I can see it was delayed at the sorting centre. I've sent a replacement by express "
     "delivery, and it should reach you tomorrow.\n"
     "Customer: That's great, thank you so much.\n"
     "Agent: You're welcome! Is there anything else I can help with?\n"
     "Customer: No, that's all."),
    ("dialogue", "sales_call",
     "\"So how many locations do you have right now?\" Mark asked.\n"
     "\"Four, and we're opening a fifth in the spring,\" Lisa said. \"We go through about sixty kilos "
     "of espresso a week.\"\n"
     "\"That's a good volume. We could offer you a wholesale rate and free equipment servicing.\"\n"
     "\"Free servicing? What's the catch?\"\n"
     "\"No catch. We just ask for a twelve-month agreement.\"\n"
     "\"Let me talk to my partner and get back to you by Friday.\""),
    ("dialogue", "podcast",
     "HOST: Welcome back to the show. Today I'm joined by a coffee roaster who started in her garage. "
     "Thanks for coming on.\n"
     "GUEST: Thanks for having me! I've listened for years, so this is a bit surreal.\n"
     "HOST: Let's start at the beginning. Why coffee?\n"
     "GUEST: My grandfather grew coffee in Colombia. I grew up hearing his stories about the harvest, "
     "and when I finally visited the farm, I knew I wanted to do something with it.\n"
     "HOST: And the garage?\n"
     "GUEST: That was the cheapest space I could find. My neighbours loved the smell. Mostly."),
    ("dialogue", "kids",
     "\"Mum, can I have a hot chocolate?\"\n"
     "\"Only if you finish your sandwich.\"\n"
     "\"But I'm not hungry.\"\n"
     "\"Then you're not thirsty for chocolate either.\"\n"
     "\"Fine.\" He took a very small bite. \"Now can I?\"\n"
     "\"Nice try. Three more bites and we'll talk.\""),
    ("dialogue", "team_meeting",
     "\"Okay, everyone, quick update before we open,\" said Jordan. \"The new grinder arrives today, so "
     "expect some noise around ten.\"\n"
     "\"Will we need to recalibrate everything?\" asked Kim.\n"
     "\"Yes, but I'll handle the espresso settings. Could you update the menu board with the new "
     "seasonal drinks?\"\n"
     "\"Sure. Are we still calling it the Maple Cloud?\"\n"
     "\"We are. Marketing loved it.\"\n"
     "\"Marketing loves everything with a cloud in it,\" Kim laughed."),
    ("dialogue", "testimonial",
     "\"I was skeptical at first,\" admits Daniel, who runs a small design studio. \"I thought office "
     "coffee subscriptions were a gimmick. But the team noticed the difference on day one. People "
     "actually stay in the kitchen and talk now.\" He pauses. \"Honestly, it's the best ten euros a "
     "week we spend.\""),
    ("dialogue", "voicemail",
     "\"Hi, this is Rosa from the Elm Street shop. Just a reminder that your catering order for "
     "Thursday is ready to be confirmed. That's two large flasks of coffee, one of decaf and a dozen "
     "pastries. If you'd like to change anything, give me a call back before Wednesday noon. Thanks, "
     "and have a lovely day!\""),

    # --- written after the counting rules were settled, two per genre, as a check on them; they
    # found one gap ("12 mos. of", "100 pts. can" ended sentences), closed by listing more units ---
    ("social", "rainy_day",
     "Rainy Monday? We've got you covered ☔ Bring your own cup before noon and your second refill is on us. "
     "Tag a friend who needs a pick-me-up today! #MondayMotivation #RainyDay https://beanthere.example/rainy"),
    ("social", "new_location",
     "It's official: our fourth shop opens on Harbour Road next Thursday! Expect the same friendly faces, "
     "a brand-new pastry counter and plenty of seats by the window.\n"
     "First fifty guests get a free tote bag 👜\n"
     "Directions: https://maps.example/harbour @harbourroadmarket #grandopening #newshop"),
    ("numbers", "loyalty_terms",
     "Members earn 1 point per $1 spent, and 100 pts. can be redeemed for a free drink (max. value $6.50). "
     "Points expire after 12 mos. of inactivity. Offer valid in the U.S. only, excl. airport locations, "
     "and cannot be combined with other promos, e.g. the 2-for-1 Tue. deal."),
    ("numbers", "sales_report",
     "Between Apr. 1 and Jun. 30, online sales grew 37.5% YoY to $812K, while in-store sales rose 4.1% to "
     "$2.3M. The avg. basket size was $14.20. Mobile orders made up 61% of online revenue, vs. 48% in Q2 "
     "2025. Returns stayed below 1.5%."),
    ("jargon", "ai_pitch",
     "Our generative intelligence engine synthesizes heterogeneous behavioral signals into hyperpersonalized "
     "recommendations, continuously optimizing conversion probability through reinforcement learning. "
     "Seamless integration with existing customer relationship management infrastructure accelerates "
     "time to value while preserving enterprise-grade governance and interoperability."),
    ("jargon", "roasting_profile",
     "Maillard reactions and caramelization intensify between the first and second crack, transforming "
     "carbohydrates into melanoidins that contribute body and sweetness. Excessive development, however, "
     "degrades volatile aromatics and accentuates carbonized, ashy characteristics that obscure varietal "
     "distinctiveness."),
    ("dialogue", "first_day",
     "\"Is it your first day?\" asked the manager.\n"
     "\"Yes, and I'm a little nervous,\" Ben admitted.\n"
     "\"Don't worry. Everyone spills something on their first day. I spilled a whole jug of milk on a customer.\"\n"
     "\"Really? What did they do?\"\n"
     "\"They laughed and asked for a refund on their shoes.\""),
    ("dialogue", "phone_order",
     "\"Hello, Bean There, how can I help?\" \"Hi! I'd like to order twelve coffees for a meeting at ten.\" "
     "\"No problem. Any preferences?\" \"Six lattes, four Americanos and two hot chocolates, please.\" "
     "\"Lovely. Can I take a name for the order?\" \"It's under Patel.\" \"Perfect, see you at a quarter to ten.\""),
]

# Sentences counted by hand where textstat's own splitter is wrong: it ends a sentence at every
# full stop, so "$4.2M", "Jan. 12", "a.m." and "U.S." cut sentences in pieces (textstat issues #77
# and #218). Counted as textstat counts otherwise: a sentence of one or two words does not count.
SENTENCES_BY_HAND = {
    "quarterly_results": 5, "press_release": 4, "store_hours": 3, "survey_summary": 5,
    "shipping_policy": 5, "nutrition": 3, "investor_update": 4, "event_logistics": 5,
    "price_change": 3, "history_timeline": 3, "loyalty_terms": 3, "sales_report": 4,
}

# Syllables, counted by hand, of the corpus words missing from the CMU dictionary (compounds run
# together by hashtags and hyphens, and jargon). textstat guesses these from hyphenation points,
# which undercounts long words ("biopolymers" 2, "volatiles" 1); the reference looks these up
# instead. Counted with the dictionary's conventions ("sour" and "business" as it says them).
# Abbreviations and codes ("MRR", "PST", "incl") are left to textstat.
SYLLABLES_BY_HAND = {
    "agroforestry": 5, "astringency": 4, "beanthere": 2, "biodegradation": 6, "biopolymers": 5,
    "brewingtips": 3, "café": 2, "catecholamine": 5, "coffeelovers": 4, "coffeesubscription": 5,
    "coldbrew": 2, "compostable": 4, "crossdevice": 3, "crossfunctional": 4, "customerservice": 5,
    "customerstories": 5, "cytochrome": 3, "datadriven": 4, "decouples": 3, "deduplicate": 4,
    "excitability": 6, "fallvibes": 2, "farmtotable": 4, "firstparty": 3, "freecoffee": 3,
    "granularity": 5, "greenleaffarms": 3, "homebarista": 4, "idempotent": 4, "incentivize": 4,
    "incrementality": 6, "kubernetes": 4, "latteart": 3, "leverages": 4, "localcoffee": 4,
    "metallized": 3, "methodologically": 7, "methylxanthine": 4, "microservices": 5, "monfri": 2,
    "morningperson": 4, "observability": 6, "omnichannel": 4, "operationalizing": 7,
    "overextraction": 5, "performancebased": 4, "pharmacokinetic": 6, "plantderived": 3,
    "polymorphisms": 5, "polyphenolic": 5, "privacypreserving": 6, "priya": 2,
    "priya_drinks_coffee": 5, "pumpkinspice": 3, "quantifies": 3, "recalibrate": 4,
    "refractometry": 5, "regenerative": 5, "roastery": 3, "sam_pours": 2, "smallbusiness": 3,
    "smallholder": 3, "sourness": 3, "transactional": 4, "twelvemonth": 2, "twentyfour": 3,
    "underextraction": 5, "volatiles": 3,
    "pickmeup": 3, "mondaymotivation": 6, "rainyday": 3, "harbourroadmarket": 5, "grandopening": 4,
    "newshop": 2, "synthesizes": 4, "hyperpersonalized": 6, "enterprisegrade": 4, "interoperability": 8,
    "caramelization": 6, "melanoidins": 4, "aromatics": 4, "lattes": 2,
}
